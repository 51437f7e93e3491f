package dev.dsync.launcher.bench;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.config.DsyncEnv;
import dev.dsync.events.signature.SignatureVerifier;
import dev.dsync.gateway.Gateway;
import dev.dsync.gateway.GatewayConfig;
import io.helidon.webserver.WebServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./dsync bench gateway}: signed, realistic webhooks over HTTP against the gateway on a real in-process
 * broker (acks=all), next to a no-op Helidon route on the same machine as the ceiling.
 *
 * <p>Phase 1 (closed loop, {@code --connections} concurrent senders) finds each server's peak rate. Phase 2 sends
 * to the gateway at half its peak in an open loop, measuring latency from each request's scheduled start so that
 * a slow response cannot hide the requests queued behind it.
 */
public final class GatewayBenchmark {

    private static final String SECRET = "whsec_benchmark";

    private GatewayBenchmark() {
    }

    /** Runs the benchmark and prints its results. */
    public static void run(int connections, int seconds, int runs) throws Exception {
        System.out.printf("gateway benchmark: %d connections, %d s per measurement, %d runs (medians reported)%n",
                connections, seconds, runs);
        Path dir = Files.createTempDirectory("dsync-bench-gateway");
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0).start()) {
            kafka.createContractTopics(3);
            WebServer noop = WebServer.builder().host("127.0.0.1").port(0)
                    .routing(r -> r.post("/noop", (req, res) -> {
                        req.content().consume();
                        res.send("{\"status\":\"ok\"}");
                    }))
                    .build().start();
            try (Gateway gateway = Gateway.start(GatewayConfig.defaults(List.of(SECRET), kafka.bootstrapServers(), 0,
                    Map.of(DsyncEnv.GATEWAY_MAX_IN_FLIGHT.name(), "1024")))) {
                URI gatewayUri = URI.create("http://127.0.0.1:" + gateway.port() + "/webhooks/workos");
                URI noopUri = URI.create("http://127.0.0.1:" + noop.port() + "/noop");
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                closedLoop(client, gatewayUri, connections, 3); // warm-up: JIT, connections, topic metadata
                closedLoop(client, noopUri, connections, 3);

                double[] noopRates = new double[runs];
                double[] gatewayRates = new double[runs];
                double[] gatewayP50 = new double[runs];
                double[] gatewayP99 = new double[runs];
                double[] halfP50 = new double[runs];
                double[] halfP99 = new double[runs];
                for (int run = 0; run < runs; run++) {
                    Result ceiling = closedLoop(client, noopUri, connections, seconds);
                    Result peak = closedLoop(client, gatewayUri, connections, seconds);
                    Result half = openLoop(client, gatewayUri, peak.rate() / 2, seconds);
                    noopRates[run] = ceiling.rate();
                    gatewayRates[run] = peak.rate();
                    gatewayP50[run] = peak.p50();
                    gatewayP99[run] = peak.p99();
                    halfP50[run] = half.p50();
                    halfP99[run] = half.p99();
                    System.out.printf(Locale.ROOT, "run %d: no-op %.0f req/s | gateway peak %.0f req/s (p50 %.2f ms, p99 %.2f ms)"
                                    + " | gateway at %.0f req/s: p50 %.2f ms, p99 %.2f ms, errors %d%n",
                            run + 1, ceiling.rate(), peak.rate(), peak.p50(), peak.p99(), peak.rate() / 2,
                            half.p50(), half.p99(), peak.errors() + half.errors());
                }
                double noopMedian = LatencyRecorder.median(noopRates);
                double gatewayMedian = LatencyRecorder.median(gatewayRates);
                System.out.println();
                System.out.println("| measurement (median of " + runs + " runs) | value |");
                System.out.println("|---|---|");
                System.out.printf(Locale.ROOT, "| no-op Helidon route, peak | %.0f req/s |%n", noopMedian);
                System.out.printf(Locale.ROOT, "| gateway (verify + Kafka acks=all), peak | %.0f req/s (%.0f%% of no-op) |%n",
                        gatewayMedian, 100 * gatewayMedian / noopMedian);
                System.out.printf(Locale.ROOT, "| gateway at peak, p50 / p99 | %.2f ms / %.2f ms |%n",
                        LatencyRecorder.median(gatewayP50), LatencyRecorder.median(gatewayP99));
                System.out.printf(Locale.ROOT, "| gateway at half of peak, p50 / p99 | %.2f ms / %.2f ms |%n",
                        LatencyRecorder.median(halfP50), LatencyRecorder.median(halfP99));
            } finally {
                noop.stop();
            }
        }
    }

    record Result(double rate, double p50, double p99, long errors) {
    }

    private static Result closedLoop(HttpClient client, URI uri, int connections, int seconds) throws Exception {
        LatencyRecorder latencies = new LatencyRecorder();
        AtomicLong errors = new AtomicLong();
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long start = System.nanoTime();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < connections; c++) {
                int sender = c;
                senders.submit(() -> {
                    long n = 0;
                    while (System.nanoTime() < deadline) {
                        long began = System.nanoTime();
                        if (send(client, uri, sender, n++)) {
                            latencies.record(System.nanoTime() - began);
                        } else {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        return new Result(latencies.count() / elapsed, latencies.percentileMillis(0.5), latencies.percentileMillis(0.99),
                errors.get());
    }

    private static Result openLoop(HttpClient client, URI uri, double rate, int seconds) throws Exception {
        LatencyRecorder latencies = new LatencyRecorder();
        AtomicLong errors = new AtomicLong();
        long total = (long) (rate * seconds);
        long intervalNanos = (long) (1e9 / rate);
        long start = System.nanoTime();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < total; i++) {
                long scheduled = start + i * intervalNanos;
                long wait = scheduled - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                long n = i;
                senders.submit(() -> {
                    if (send(client, uri, -1, n)) {
                        latencies.record(System.nanoTime() - scheduled);
                    } else {
                        errors.incrementAndGet();
                    }
                });
            }
        }
        return new Result(rate, latencies.percentileMillis(0.5), latencies.percentileMillis(0.99), errors.get());
    }

    private static boolean send(HttpClient client, URI uri, int sender, long n) {
        byte[] body = realisticEvent(sender, n);
        try {
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(uri)
                    .header("Content-Type", "application/json")
                    .header("WorkOS-Signature", SignatureVerifier.header(SECRET, System.currentTimeMillis(), body))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }

    /** A dsync.user.updated of the size and shape WorkOS sends (about 1.5 KB), unique per request. */
    static byte[] realisticEvent(int sender, long n) {
        String directory = "directory_01BENCH" + Math.floorMod(sender * 31 + n, 50);
        String user = "directory_user_01BENCH" + sender + "x" + n;
        return ("{\"object\":\"event\",\"id\":\"event_01BENCH" + sender + "x" + n + "\",\"event\":\"dsync.user.updated\","
                + "\"data\":{\"object\":\"directory_user\",\"id\":\"" + user + "\",\"directory_id\":\"" + directory + "\","
                + "\"organization_id\":\"org_01KAG8K70DHD9M26PTF1H0D6N1\",\"idp_id\":\"00u9x2kd1fQp7zYt35d7\","
                + "\"email\":\"amara.okafor" + n + "@acme-corp.example\",\"first_name\":\"Amara\",\"last_name\":\"Okafor-Reyes\","
                + "\"name\":\"Amara Okafor-Reyes\",\"state\":\"active\",\"raw_attributes\":{},\"custom_attributes\":{"
                + "\"department_name\":\"Platform Engineering\",\"job_title\":\"Staff Software Engineer\","
                + "\"manager_email\":\"dana.whitfield@acme-corp.example\",\"employee_number\":\"E-10442\","
                + "\"emails\":[{\"type\":\"work\",\"value\":\"amara.okafor@acme-corp.example\",\"primary\":true}],"
                + "\"username\":\"amara.okafor@acme-corp.example\"},\"role\":{\"slug\":\"admin\"},\"roles\":[{\"slug\":\"admin\"}],"
                + "\"created_at\":\"2026-05-18T14:03:41.512Z\",\"updated_at\":\"2026-06-09T08:15:09.774Z\","
                + "\"previous_attributes\":{\"last_name\":\"Okafor\",\"name\":\"Amara Okafor\",\"role\":{\"slug\":\"member\"},"
                + "\"roles\":[{\"slug\":\"member\"}],\"custom_attributes\":{\"job_title\":\"Senior Software Engineer\"}}},"
                + "\"created_at\":\"2026-06-09T08:15:09.802Z\",\"context\":{}}").getBytes(StandardCharsets.UTF_8);
    }
}
