package dev.dsync.workos;

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

    private EventsApiSource(WorkosClient client, EventsPoller poller) {
        this.client = client;
        this.poller = poller;
    }

    public static EventsApiSource start(EventsApiConfig config, MeterRegistry registry) {
        WorkosClient client = new WorkosClient(config.client(), new WorkosApiMetrics(registry));
        LOG.log(System.Logger.Level.INFO, "Events API source: {0}, topics {1}/{2}, cursor in {3}, poll interval {4}",
                config.client(), config.poller().eventsTopic(), config.poller().otherEventsTopic(),
                config.poller().cursorTopic(), config.poller().pollInterval());
        return new EventsApiSource(client, EventsPoller.start(config.poller(), client));
    }

    /** Starts when the environment asks for it ({@code WORKOS_API_KEY} set, {@code DSYNC_EVENTS_API} not off). */
    public static Optional<EventsApiSource> startFromEnv(Map<String, String> env, String bootstrapServers,
                                                         MeterRegistry registry) {
        return EventsApiConfig.fromEnv(env).map(c -> start(c.withBootstrapServers(bootstrapServers), registry));
    }

    public WorkosClient client() {
        return client;
    }

    public EventsPoller poller() {
        return poller;
    }

    public Status status() {
        CursorState.Seen newest = poller.cursor().map(CursorState::newest).orElse(null);
        return new Status(poller.active(), client.status(), poller.reconciliationNeeded().orElse(null),
                newest == null ? null : newest.id());
    }

    @Override
    public void close() {
        poller.close();
    }
}
