package dev.dsync.topology.query;

import dev.dsync.observe.Observability;
import dev.dsync.workos.EventsApiSource;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.json.JsonNull;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The instance's health checks. {@code streams} decides: live until the Streams client has failed for good (it does
 * not come back by itself, so a supervisor should restart the process), ready while it is RUNNING. With the WorkOS
 * API source, {@code workos_api} reports it on both, and is always UP: a degraded WorkOS API leaves the webhooks and
 * the state this instance serves unaffected, so it never changes a status code; its {@code data} says how it is.
 */
final class QueryHealth {

    private QueryHealth() {
    }

    /**
     * {@code state} returns null until a topology is attached; with {@code workosApi}, {@code workosApiStatus} is
     * the source's status, empty until it is attached.
     */
    static List<HealthCheck> checks(Supplier<KafkaStreams.State> state, boolean workosApi,
                                    Supplier<Optional<EventsApiSource.Status>> workosApiStatus) {
        List<HealthCheck> checks = new ArrayList<>(List.of(
                Observability.check("streams", HealthCheckType.LIVENESS, () -> streams(state.get(),
                        s -> s != KafkaStreams.State.ERROR && s != KafkaStreams.State.PENDING_ERROR)),
                Observability.check("streams", HealthCheckType.READINESS, () -> streams(state.get(),
                        s -> s == KafkaStreams.State.RUNNING))));
        if (workosApi) {
            for (HealthCheckType type : List.of(HealthCheckType.LIVENESS, HealthCheckType.READINESS)) {
                checks.add(Observability.check("workos_api", type, () -> workosApi(workosApiStatus.get())));
            }
        }
        return checks;
    }

    /** {@code up} is asked with null too, before a topology is attached. */
    private static HealthCheckResponse streams(KafkaStreams.State s, Predicate<KafkaStreams.State> up) {
        return HealthCheckResponse.builder()
                .status(up.test(s))
                .detail("state", s == null ? "NOT_STARTED" : s.name())
                .build();
    }

    /**
     * {@code DEGRADED} (with the reason) while WorkOS refuses the key or keeps failing, or while events may have been
     * missed and no reconciliation has closed the gap; UP otherwise, and before the source is attached.
     */
    private static HealthCheckResponse workosApi(Optional<EventsApiSource.Status> status) {
        String problem = status.map(s -> s.api().degraded() ? s.api().reason()
                : s.reconciliationNeeded() != null ? "events_may_be_missing" : null).orElse(null);
        return HealthCheckResponse.builder()
                .detail("status", problem == null ? "UP" : "DEGRADED")
                .detail("reason", problem == null ? JsonNull.instance() : problem)
                .detail("events_api_poller_here", status.map(EventsApiSource.Status::active).orElse(false))
                .build();
    }
}
