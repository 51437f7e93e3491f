package dev.dsync.topology.query;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Liveness, readiness (the Streams client is RUNNING), Prometheus metrics, the API's OpenAPI document and the
 * topics' AsyncAPI document with the JSON Schemas it references.
 */
final class OperationsService implements HttpService {

    private final Supplier<KafkaStreams.State> state;
    private final Supplier<Optional<dev.dsync.workos.EventsApiSource>> workosApi;
    private final QueryMetrics metrics;
    private final byte[] openApi;
    private final byte[] asyncApi;
    /** Schemas by file name, read on first request: the set is whatever the build put beside asyncapi.yaml. */
    private final Map<String, Optional<byte[]>> schemas = new ConcurrentHashMap<>();

    /** {@code state} returns null until a topology is attached. */
    OperationsService(Supplier<KafkaStreams.State> state,
                      Supplier<Optional<dev.dsync.workos.EventsApiSource>> workosApi, QueryMetrics metrics) {
        this.state = state;
        this.workosApi = workosApi;
        this.metrics = metrics;
        this.openApi = resource("openapi.yaml").orElseThrow(
                () -> new IllegalStateException("openapi.yaml is missing from the classpath"));
        this.asyncApi = resource("asyncapi.yaml").orElseThrow(
                () -> new IllegalStateException("asyncapi.yaml is missing from the classpath"));
    }

    private static Optional<byte[]> resource(String name) {
        try (InputStream in = OperationsService.class.getResourceAsStream(name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The WorkOS API source's part of health: {@code DEGRADED} (with the reason) while WorkOS refuses the key or keeps
     * failing, or while events may have been missed and no reconciliation has closed the gap. Degraded does not
     * make the instance unready: the webhooks and the state it serves are unaffected.
     */
    private String workosApiHealth() {
        Optional<dev.dsync.workos.EventsApiSource> api = workosApi.get();
        if (api.isEmpty()) {
            return "";
        }
        var status = api.get().status();
        String problem = status.api().degraded() ? status.api().reason()
                : status.reconciliationNeeded() != null ? "events_may_be_missing" : null;
        return ",\"workos_api\":{\"status\":\"" + (problem == null ? "UP" : "DEGRADED") + "\",\"reason\":"
                + (problem == null ? "null" : Json.quote(problem)) + ",\"events_api_poller_here\":" + status.active()
                + "}";
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health/live", (req, res) -> {
                    // a failed Streams client does not come back by itself: report it so a supervisor restarts us
                    KafkaStreams.State s = state.get();
                    boolean failed = s == KafkaStreams.State.ERROR || s == KafkaStreams.State.PENDING_ERROR;
                    res.status(failed ? Status.SERVICE_UNAVAILABLE_503 : Status.OK_200)
                            .header(HeaderNames.CONTENT_TYPE, "application/json")
                            .send("{\"status\":\"" + (failed ? "DOWN" : "UP") + "\",\"streams\":\""
                                    + (s == null ? "NOT_STARTED" : s.name()) + "\"" + workosApiHealth() + "}");
                })
                .get("/health/ready", (req, res) -> {
                    KafkaStreams.State s = state.get();
                    boolean up = s == KafkaStreams.State.RUNNING;
                    res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503)
                            .header(HeaderNames.CONTENT_TYPE, "application/json")
                            .send("{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"streams\":\""
                                    + (s == null ? "NOT_STARTED" : s.name()) + "\"" + workosApiHealth() + "}");
                })
                .get("/metrics", (req, res) -> res
                        .header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                        .send(metrics.scrape()))
                .get(BearerAuth.OPENAPI_PATH, (req, res) -> res
                        .header(HeaderNames.CONTENT_TYPE, "application/yaml")
                        .send(openApi))
                .get(BearerAuth.ASYNCAPI_PATH, (req, res) -> res
                        .header(HeaderNames.CONTENT_TYPE, "application/yaml")
                        .send(asyncApi))
                .get(BearerAuth.SCHEMAS_PREFIX + "{name}", (req, res) -> {
                    String name = req.path().pathParameters().get("name");
                    // only plain file names reach the classpath: no path can climb out of the schemas folder
                    Optional<byte[]> schema = BearerAuth.isSchemaName(name)
                            ? schemas.computeIfAbsent(name, n -> resource("schemas/" + n))
                            : Optional.empty();
                    if (schema.isEmpty()) {
                        res.status(Status.NOT_FOUND_404)
                                .header(HeaderNames.CONTENT_TYPE, "application/json")
                                .send(Json.error("not_found", "no such schema"));
                        return;
                    }
                    res.header(HeaderNames.CONTENT_TYPE, "application/schema+json").send(schema.get());
                });
    }
}
