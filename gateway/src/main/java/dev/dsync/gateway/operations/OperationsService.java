package dev.dsync.gateway.operations;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import java.util.function.BooleanSupplier;

/** Liveness, readiness and Prometheus metrics. */
public final class OperationsService implements HttpService {

    private final BooleanSupplier ready;
    private final GatewayMetrics metrics;

    public OperationsService(BooleanSupplier ready, GatewayMetrics metrics) {
        this.ready = ready;
        this.metrics = metrics;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health/live", (req, res) -> res.header(HeaderNames.CONTENT_TYPE, "application/json")
                        .send("{\"status\":\"UP\"}"))
                .get("/health/ready", (req, res) -> {
                    boolean up = ready.getAsBoolean();
                    res.status(up ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503)
                            .header(HeaderNames.CONTENT_TYPE, "application/json")
                            .send(up ? "{\"status\":\"UP\",\"kafka\":\"UP\"}" : "{\"status\":\"DOWN\",\"kafka\":\"DOWN\"}");
                })
                .get("/metrics", (req, res) -> res
                        .header(HeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
                        .send(metrics.scrape()));
    }
}
