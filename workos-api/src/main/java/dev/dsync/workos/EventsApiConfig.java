package dev.dsync.workos;

import dev.dsync.events.Topics;
import dev.dsync.events.config.DsyncEnv;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The Events API source's settings from environment variables: {@link DsyncEnv#WORKOS_API} (their forms and defaults
 * are declared there). Without {@code WORKOS_API_KEY} nothing runs; with it, bootstrap and reconciliation run and the
 * Events API is followed unless {@code DSYNC_EVENTS_API=off}.
 */
public record EventsApiConfig(WorkosClient.Settings client, EventsPoller.Settings poller, boolean followEvents,
                              Duration reconcileInterval, String reconciliationsTopic, boolean inactiveUsersDeleted) {

    public static final Duration DEFAULT_RECONCILE_INTERVAL = DsyncEnv.RECONCILE_INTERVAL.defaultValue();

    /**
     * Empty when there is no API key. With a key, bootstrap and reconciliation run; the Events API is followed
     * unless {@code DSYNC_EVENTS_API=off}.
     *
     * @throws IllegalArgumentException when the Events API is on without a key, and a
     *         {@link dev.dsync.events.config.SettingException} naming a variable whose value is not of its form
     */
    public static Optional<EventsApiConfig> fromEnv(Map<String, String> env) {
        String key = DsyncEnv.WORKOS_API_KEY.get(env);
        boolean follow = DsyncEnv.EVENTS_API.optional(env).orElse(key != null);
        if (key == null) {
            if (follow) {
                throw new IllegalArgumentException(DsyncEnv.EVENTS_API.name() + " is on but "
                        + DsyncEnv.WORKOS_API_KEY.name() + " is not set");
            }
            return Optional.empty();
        }
        Duration reconcileInterval = DsyncEnv.RECONCILE_INTERVAL.get(env);
        WorkosClient.Settings client = WorkosClient.Settings.fromEnv(env);
        EventsPoller.Settings d = EventsPoller.Settings.defaults(DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.get(env));
        EventsPoller.Settings poller = new EventsPoller.Settings(d.bootstrapServers(),
                DsyncEnv.EVENTS_TOPIC.get(env),
                DsyncEnv.OTHER_EVENTS_TOPIC.get(env),
                DsyncEnv.WORKOS_CURSOR_TOPIC.get(env),
                d.groupId(), d.transactionalId(),
                DsyncEnv.EVENTS_POLL_INTERVAL.get(env),
                d.safetyWindow(), d.maxWindow(), d.retention(),
                DsyncEnv.EVENTS_START_AT.get(env),
                d.sessionTimeout(),
                DsyncEnv.TOPIC_PARTITIONS.get(env),
                DsyncEnv.TOPIC_REPLICATION_FACTOR.get(env).shortValue());
        return Optional.of(new EventsApiConfig(client, poller, follow, reconcileInterval,
                Topics.RECONCILIATIONS,
                // the topology's policy (DSYNC_INACTIVE_USERS): under "delete" an inactive user is not in the mirror
                DsyncEnv.INACTIVE_USERS.get(env).equals("delete")));
    }
}
