package dev.dsync.workos;

import dev.dsync.events.Topics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The Events API source's settings from environment variables:
 *
 * <ul>
 *   <li>{@code WORKOS_API_KEY}: without it nothing runs.</li>
 *   <li>{@code WORKOS_API_URL}: default {@code https://api.workos.com}.</li>
 *   <li>{@code DSYNC_EVENTS_API}: {@code on}/{@code off}; default on when a key is set.</li>
 *   <li>{@code DSYNC_RECONCILE_INTERVAL}: ISO-8601 or seconds, default {@code PT6H}; {@code off} for none.</li>
 *   <li>{@code DSYNC_EVENTS_POLL_INTERVAL}: ISO-8601 ({@code PT5S}) or seconds; the wait once caught up.</li>
 *   <li>{@code DSYNC_WORKOS_MAX_RPS}: requests per second to WorkOS for the whole process, default 20.</li>
 *   <li>{@code DSYNC_EVENTS_START_AT}: ISO-8601 instant a first start (no stored cursor) begins at; default now.</li>
 *   <li>{@code DSYNC_KAFKA_BOOTSTRAP_SERVERS}, {@code DSYNC_EVENTS_TOPIC}, {@code DSYNC_OTHER_EVENTS_TOPIC},
 *       {@code DSYNC_WORKOS_CURSOR_TOPIC}, {@code DSYNC_TOPIC_PARTITIONS},
 *       {@code DSYNC_TOPIC_REPLICATION_FACTOR}.</li>
 * </ul>
 */
public record EventsApiConfig(WorkosClient.Settings client, EventsPoller.Settings poller, boolean followEvents,
                              Duration reconcileInterval, String reconciliationsTopic, boolean inactiveUsersDeleted) {

    public static final Duration DEFAULT_RECONCILE_INTERVAL = Duration.ofHours(6);

    /**
     * Empty when there is no API key. With a key, bootstrap and reconciliation run; the Events API is followed
     * unless {@code DSYNC_EVENTS_API=off}.
     */
    public static Optional<EventsApiConfig> fromEnv(Map<String, String> env) {
        String key = blankToNull(env.get("WORKOS_API_KEY"));
        String switchValue = blankToNull(env.get("DSYNC_EVENTS_API"));
        boolean follow = switchValue == null ? key != null : parseSwitch(switchValue);
        if (key == null) {
            if (follow) {
                throw new IllegalArgumentException("DSYNC_EVENTS_API is on but WORKOS_API_KEY is not set");
            }
            return Optional.empty();
        }
        String reconcile = blankToNull(env.get("DSYNC_RECONCILE_INTERVAL"));
        Duration reconcileInterval = reconcile == null ? DEFAULT_RECONCILE_INTERVAL
                : reconcile.equalsIgnoreCase("off") ? null : duration("DSYNC_RECONCILE_INTERVAL", reconcile);
        if (reconcileInterval != null && (reconcileInterval.isNegative() || reconcileInterval.isZero())) {
            throw new IllegalArgumentException("DSYNC_RECONCILE_INTERVAL must be positive or off: " + reconcile);
        }
        URI url = URI.create(env.getOrDefault("WORKOS_API_URL", WorkosClient.Settings.DEFAULT_BASE_URL.toString()).trim());
        WorkosClient.Settings client = WorkosClient.Settings.defaults(key, url);
        String rps = blankToNull(env.get("DSYNC_WORKOS_MAX_RPS"));
        if (rps != null) {
            client = client.withMaxRps(Double.parseDouble(rps));
        }
        EventsPoller.Settings d = EventsPoller.Settings.defaults(
                env.getOrDefault("DSYNC_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"));
        String interval = blankToNull(env.get("DSYNC_EVENTS_POLL_INTERVAL"));
        String startAt = blankToNull(env.get("DSYNC_EVENTS_START_AT"));
        EventsPoller.Settings poller = new EventsPoller.Settings(d.bootstrapServers(),
                env.getOrDefault("DSYNC_EVENTS_TOPIC", Topics.EVENTS),
                env.getOrDefault("DSYNC_OTHER_EVENTS_TOPIC", Topics.OTHER_EVENTS),
                env.getOrDefault("DSYNC_WORKOS_CURSOR_TOPIC", d.cursorTopic()),
                d.groupId(), d.transactionalId(),
                interval == null ? d.pollInterval() : duration("DSYNC_EVENTS_POLL_INTERVAL", interval),
                d.safetyWindow(), d.maxWindow(), d.retention(),
                startAt == null ? null : instant("DSYNC_EVENTS_START_AT", startAt),
                d.sessionTimeout(),
                Integer.parseInt(env.getOrDefault("DSYNC_TOPIC_PARTITIONS", "3")),
                Short.parseShort(env.getOrDefault("DSYNC_TOPIC_REPLICATION_FACTOR", "1")));
        return Optional.of(new EventsApiConfig(client, poller, follow, reconcileInterval,
                Topics.RECONCILIATIONS,
                // the topology's policy (DSYNC_INACTIVE_USERS): under "delete" an inactive user is not in the mirror
                "delete".equalsIgnoreCase(blankToNull(env.get("DSYNC_INACTIVE_USERS")))));
    }

    public EventsApiConfig withBootstrapServers(String bootstrap) {
        EventsPoller.Settings p = poller;
        return new EventsApiConfig(client, new EventsPoller.Settings(bootstrap, p.eventsTopic(), p.otherEventsTopic(),
                p.cursorTopic(), p.groupId(), p.transactionalId(), p.pollInterval(), p.safetyWindow(), p.maxWindow(),
                p.retention(), p.startAt(), p.sessionTimeout(), p.topicPartitions(), p.replicationFactor()),
                followEvents, reconcileInterval, reconciliationsTopic, inactiveUsersDeleted);
    }

    private static boolean parseSwitch(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true", "1", "yes", "enabled" -> true;
            case "off", "false", "0", "no", "disabled" -> false;
            default -> throw new IllegalArgumentException("DSYNC_EVENTS_API must be on or off, not " + v);
        };
    }

    private static Duration duration(String name, String v) {
        try {
            if (v.startsWith("-")) {
                throw new DateTimeParseException("negative", v, 0);
            }
            return v.chars().allMatch(Character::isDigit) ? Duration.ofSeconds(Long.parseLong(v)) : Duration.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 duration such as PT5S, or seconds: " + v);
        }
    }

    private static Instant instant(String name, String v) {
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 instant such as 2026-11-01T00:00:00Z: " + v);
        }
    }

    private static String blankToNull(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }
}
