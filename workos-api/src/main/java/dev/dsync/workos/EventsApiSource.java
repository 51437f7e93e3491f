package dev.dsync.workos;

import dev.dsync.events.config.DsyncEnv;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Optional;

/**
 * The Events API catch-up as one start/stop unit for {@code ./dsync up} and the topology process: a shared
 * {@link WorkosClient} (bootstrap and reconciliation will take it from {@link #client()}) and the
 * {@link EventsPoller}. Every process may start one; only one of them polls at a time.
 */
public final class EventsApiSource implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(EventsApiSource.class.getName());

    private final WorkosClient client;
    private final EventsPoller poller;
    private final dev.dsync.workos.reconcile.Reconciler reconciler;

    /**
     * What an operator (or a health endpoint) needs to know.
     *
     * @param active                 this instance is the one polling
     * @param api                    whether WorkOS answers (degraded on 401/403 or repeated failures)
     * @param reconciliationNeeded   set when events may have been missed
     * @param lastEventId            the newest event written, as far as this instance knows; null if none
     */
    public record Status(boolean active, WorkosClient.Status api, CursorState.Gap reconciliationNeeded,
                         String lastEventId) {
    }

    private EventsApiSource(WorkosClient client, EventsPoller poller, dev.dsync.workos.reconcile.Reconciler reconciler) {
        this.client = client;
        this.poller = poller;
        this.reconciler = reconciler;
    }

    public static EventsApiSource start(EventsApiConfig config, MeterRegistry registry) {
        WorkosClient client = new WorkosClient(config.client(), new WorkosApiMetrics(registry));
        LOG.log(System.Logger.Level.INFO, "WorkOS API source: {0}, Events API {1} (topics {2}/{3}, cursor in {4}, poll "
                + "interval {5}), reconciliation every {6}", config.client(), config.followEvents() ? "on" : "off",
                config.poller().eventsTopic(), config.poller().otherEventsTopic(), config.poller().cursorTopic(),
                config.poller().pollInterval(), config.reconcileInterval() == null ? "(off)" : config.reconcileInterval());
        EventsPoller poller = EventsPoller.start(config.poller(), client);
        poller.following(config.followEvents());
        var p = config.poller();
        var reconciler = dev.dsync.workos.reconcile.Reconciler.start(new dev.dsync.workos.reconcile.Reconciler.Settings(
                p.bootstrapServers(), p.eventsTopic(), p.cursorTopic(), config.reconciliationsTopic(),
                config.reconcileInterval(), (int) Math.max(1, Math.min(8, config.client().maxRps()
                        / config.client().directoryUsersRps())), p.topicPartitions(), p.replicationFactor(),
                config.inactiveUsersDeleted()),
                client, poller::active, registry);
        client.metrics().gapOpen(reconciler::gapOpen);
        return new EventsApiSource(client, poller, reconciler);
    }

    /** Starts when the environment asks for it ({@code WORKOS_API_KEY} set, {@code DSYNC_EVENTS_API} not off). */
    public static Optional<EventsApiSource> startFromEnv(Map<String, String> env, String bootstrapServers,
                                                         MeterRegistry registry) {
        return EventsApiConfig.fromEnv(DsyncEnv.with(env, Map.of(DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.name(),
                bootstrapServers))).map(c -> start(c, registry));
    }

    public WorkosClient client() {
        return client;
    }

    public EventsPoller poller() {
        return poller;
    }

    public dev.dsync.workos.reconcile.Reconciler reconciler() {
        return reconciler;
    }

    public Status status() {
        CursorState.Seen newest = poller.cursor().map(CursorState::newest).orElse(null);
        return new Status(poller.active(), client.status(),
                reconciler.openGap().orElse(null),
                newest == null ? null : newest.id());
    }

    @Override
    public void close() {
        reconciler.close();
        poller.close();
    }
}
