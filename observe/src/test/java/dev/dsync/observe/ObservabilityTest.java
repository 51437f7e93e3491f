package dev.dsync.observe;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class ObservabilityTest {

    final HttpClient http = HttpClient.newHttpClient();

    static WebServer serve(Observability observability, List<HealthCheck> checks) {
        return WebServer.builder().host("127.0.0.1").port(0)
                .addFeature(observability.feature(checks))
                .routing(r -> r.get("/other", (req, res) -> res.send("other")))
                .build().start();
    }

    HttpResponse<String> get(WebServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthIsServedAtHealthLiveAndReadyWithEveryChecksDetails() throws Exception {
        AtomicBoolean up = new AtomicBoolean(true);
        HealthCheck thing = Observability.check("thing", HealthCheckType.READINESS,
                () -> HealthCheckResponse.builder().status(up.get()).detail("state", up.get() ? "fine" : "broken").build());
        try (Observability observability = new Observability()) {
            WebServer server = serve(observability, List.of(thing));
            try {
                HttpResponse<String> live = get(server, "/health/live");
                assertThat(live.statusCode()).isEqualTo(200);
                assertThat(live.headers().firstValue("Content-Type")).hasValue("application/json");
                assertThat(live.body()).isEqualTo("{\"status\":\"UP\",\"checks\":[]}");
                HttpResponse<String> ready = get(server, "/health/ready");
                assertThat(ready.statusCode()).isEqualTo(200);
                assertThat(ready.body()).isEqualTo(
                        "{\"status\":\"UP\",\"checks\":[{\"name\":\"thing\",\"status\":\"UP\",\"data\":{\"state\":\"fine\"}}]}");

                up.set(false);
                ready = get(server, "/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).isEqualTo(
                        "{\"status\":\"DOWN\",\"checks\":[{\"name\":\"thing\",\"status\":\"DOWN\",\"data\":{\"state\":\"broken\"}}]}");
                assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
                // the server's own routes are untouched; nothing is served under Helidon's default /observe
                assertThat(get(server, "/other").body()).isEqualTo("other");
                assertThat(get(server, "/observe/health").statusCode()).isEqualTo(404);
                assertThat(get(server, "/observe/metrics").statusCode()).isEqualTo(404);
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void metricsAreThisServersMicrometerMetersUnderTheirPrometheusNamesWithTheJvms() throws Exception {
        try (Observability one = new Observability(); Observability other = new Observability()) {
            Counter.builder("dsync.test.requests").tag("outcome", "accepted").tag("status", "200")
                    .register(one.registry()).increment(3);
            Timer.builder("dsync.test.latency").publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(10))
                    .register(one.registry()).record(Duration.ofMillis(5));
            // held strongly: a registry keeps only a weak reference to a gauge's object, and a collection before the
            // scrape turned this one into NaN (seen once in CI)
            java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger(2);
            io.micrometer.core.instrument.Gauge.builder("dsync.test.in.flight", inFlight, Number::doubleValue)
                    .strongReference(true).register(one.registry());
            other.registry().counter("dsync.other.things").increment();
            WebServer server = serve(one, List.of());
            try {
                HttpResponse<String> metrics = get(server, "/metrics");
                assertThat(metrics.statusCode()).isEqualTo(200);
                assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain");
                Map<String, Double> samples = Samples.parse(metrics.body());
                assertThat(samples).containsEntry("dsync_test_requests_total{outcome=\"accepted\",status=\"200\"}", 3.0)
                        .containsEntry("dsync_test_in_flight", 2.0)
                        .containsEntry("dsync_test_latency_seconds_count", 1.0)
                        .containsEntry("dsync_test_latency_seconds_bucket{le=\"0.001\"}", 0.0)
                        .containsEntry("dsync_test_latency_seconds_bucket{le=\"+Inf\"}", 1.0)
                        .containsKey("dsync_test_latency_seconds_max")
                        .containsKey("jvm_memory_used_bytes{area=\"heap\",id=\"G1 Eden Space\"}")
                        .containsKey("jvm_threads_live_threads")
                        .containsKey("system_cpu_count");
                // no label of Helidon's (such as its scope tag) on any meter, and only this server's meters
                assertThat(samples.keySet()).noneMatch(k -> k.contains("scope="))
                        .noneMatch(k -> k.startsWith("dsync_other_"));
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void aBoundKafkaProducersClientMetricsAreOnMetrics() throws Exception {
        try (Observability observability = new Observability();
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     // never contacted: the client's metrics exist from the start
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                     ProducerConfig.CLIENT_ID_CONFIG, "observability-test",
                     ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                     ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            observability.bindKafkaProducer(producer);
            WebServer server = serve(observability, List.of());
            try {
                Map<String, Double> samples = Samples.parse(get(server, "/metrics").body());
                assertThat(samples.keySet())
                        .anyMatch(k -> k.startsWith("kafka_producer_record_send_total{")
                                && k.contains("client_id=\"observability-test\""))
                        .anyMatch(k -> k.startsWith("kafka_producer_buffer_available_bytes{")
                                && k.contains("client_id=\"observability-test\""));
            } finally {
                server.stop();
                producer.close(Duration.ZERO);
            }
        }
    }
}
