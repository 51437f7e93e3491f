package dev.dsync.topology.query;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;

/** Liveness, readiness (the Streams client is RUNNING), Prometheus metrics and the API's OpenAPI document. */
final class OperationsService implements HttpService {

    private final Supplier<KafkaStreams.State> state;
    private final QueryMetrics metrics;
    private final byte[] openApi;

    /** {@code state} returns null until a topology is attached. */
    OperationsService(Supplier<KafkaStreams.State> state, QueryMetrics metrics) {
        this.state = state;
        this.metrics = metrics;
        try (InputStream in = OperationsService.class.getResourceAsStream("openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the classpath");
            }
            this.openApi = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
                                    + (s == null ? "NOT_STARTED" : s.name()) + "\"}");
                })
                .get("/health/ready", (req, res) -> {
                    KafkaStreams.State s = state.get();
                    boolean up = s == KafkaStreams.State.RUNNING;
                    res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503)
                            .header(HeaderNames.CONTENT_TYPE, "application/json")
                            .send("{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"streams\":\""
                                    + (s == null ? "NOT_STARTED" : s.name()) + "\"}");
                })
                .get("/metrics", (req, res) -> res
                        .header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                        .send(metrics.scrape()))
                .get(BearerAuth.OPENAPI_PATH, (req, res) -> res
                        .header(HeaderNames.CONTENT_TYPE, "application/yaml")
                        .send(openApi));
    }
}
