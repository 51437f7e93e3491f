package dev.dsync.launcher.bench;

import dev.dsync.events.SampleEvents;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.Topics;
import dev.dsync.events.config.DsyncEnv;
import dev.dsync.topology.DsyncStreams;
import dev.dsync.topology.TopologyConfig;
import dev.dsync.topology.query.QueryConfig;
import dev.dsync.topology.query.QueryServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Latency of the query API on two topology instances over an in-process broker: a user lookup answered locally
 * (by the instance that owns the directory) and forwarded (asked of the other instance), and the time to page
 * through the 10,000 users of one directory with {@code limit=100}, locally and forwarded.
 *
 * <p>Requests are sequential from one keep-alive HTTP/1.1 client, so the numbers are per-request latency as a
 * client sees it, including its own HTTP stack. Each run measures every case anew; the medians of the runs are
 * printed last.
 *
 * <pre>
 *   ./dsync bench query --runs 5 --lookups 5000 --users 10000
 * </pre>
 */
public final class QueryBenchmark {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String TOKEN = "bench-token";
    private static final String BIG = "directory_01BENCHBIG";

    private record Instance(DsyncStreams streams, QueryServer query) implements AutoCloseable {
        String base() {
            return "http://127.0.0.1:" + query.port();
        }

        @Override
        public void close() {
            query.close();
            streams.close();
        }
    }

    private record Run(double localP50, double localP99, double fwdP50, double fwdP99, double pageLocalMs,
                       double pageFwdMs) {
    }

    private QueryBenchmark() {
    }

    /** Runs the benchmark and prints its results. */
    public static void run(int runs, int lookups, int users) throws Exception {
        java.util.logging.LogManager.getLogManager().reset(); // Helidon's INFO lines
        Path dir = Files.createTempDirectory("dsync-query-bench");
        try (WorkDir ignored = new WorkDir(dir);
             EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0).start()) {
            kafka.createContractTopics(3);
            long t0 = System.nanoTime();
            produce(kafka, users);
            try (Instance a = start(kafka, dir.resolve("a")); Instance b = start(kafka, dir.resolve("b"))) {
                a.streams().awaitRunning(Duration.ofSeconds(120));
                b.streams().awaitRunning(Duration.ofSeconds(120));
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                // the owner of the big directory answers locally; the other instance forwards to it
                boolean aOwns = a.streams().ownerOf(BIG).activeHost().port() == a.query().port();
                Instance owner = aOwns ? a : b;
                Instance other = aOwns ? b : a;
                waitForAll(http, owner, users);
                System.out.printf("setup: %d users applied and queryable in %.1f s; %s owns %s%n", users,
                        (System.nanoTime() - t0) / 1e9, aOwns ? "instance a" : "instance b", BIG);
                String userPath = "/v1/directories/" + BIG + "/users/" + userId(users / 2);
                for (int i = 0; i < 3000; i++) { // warm-up: JIT, connections
                    get(http, owner, userPath);
                    get(http, other, userPath);
                }
                page(http, owner);
                page(http, other);
                List<Run> results = new ArrayList<>();
                for (int r = 1; r <= runs; r++) {
                    double[] local = latencies(http, owner, userPath, lookups);
                    double[] fwd = latencies(http, other, userPath, lookups);
                    double pageLocal = page(http, owner);
                    double pageFwd = page(http, other);
                    Run run = new Run(pct(local, 50), pct(local, 99), pct(fwd, 50), pct(fwd, 99), pageLocal, pageFwd);
                    results.add(run);
                    System.out.printf("run %d: lookup local p50 %.2f ms p99 %.2f ms | forwarded p50 %.2f ms p99 %.2f ms"
                            + " | page %d users local %.0f ms, forwarded %.0f ms%n", r, run.localP50(), run.localP99(),
                            run.fwdP50(), run.fwdP99(), users, run.pageLocalMs(), run.pageFwdMs());
                }
                System.out.printf("median of %d runs (%d lookups each): lookup local p50 %.2f ms p99 %.2f ms | "
                                + "forwarded p50 %.2f ms p99 %.2f ms | page through %d users (limit 100) local %.0f ms, "
                                + "forwarded %.0f ms%n", runs, lookups,
                        LatencyRecorder.median(results.stream().mapToDouble(Run::localP50).toArray()),
                        LatencyRecorder.median(results.stream().mapToDouble(Run::localP99).toArray()),
                        LatencyRecorder.median(results.stream().mapToDouble(Run::fwdP50).toArray()),
                        LatencyRecorder.median(results.stream().mapToDouble(Run::fwdP99).toArray()), users,
                        LatencyRecorder.median(results.stream().mapToDouble(Run::pageLocalMs).toArray()),
                        LatencyRecorder.median(results.stream().mapToDouble(Run::pageFwdMs).toArray()));
            }
        }
    }

    private static Instance start(EmbeddedKafka kafka, Path stateDir) {
        QueryServer query = QueryServer.start(QueryConfig.local(TOKEN, 0));
        TopologyConfig config = TopologyConfig.fromEnv(Map.of(
                DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.name(), kafka.bootstrapServers(),
                DsyncEnv.APPLICATION_ID.name(), "dsync-query-bench",
                DsyncEnv.STATE_DIR.name(), stateDir.toString(),
                DsyncEnv.APPLICATION_SERVER.name(), query.advertisedAddress(),
                DsyncEnv.NUM_STANDBY_REPLICAS.name(), "0"));
        DsyncStreams streams = DsyncStreams.start(config);
        query.attach(streams);
        return new Instance(streams, query);
    }

    private static void produce(EmbeddedKafka kafka, int users) {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new StringSerializer())) {
            long t = 1;
            // a few small directories as well, so that both instances own something
            for (int d = 0; d < 6; d++) {
                String dir = d == 0 ? BIG : "directory_01BENCH" + d;
                producer.send(new ProducerRecord<>(Topics.EVENTS, dir, SampleEvents.directory("dsync.activated",
                        "evt_" + t, t, dir, "active", "Bench " + d, t++)));
                int n = d == 0 ? users : 100;
                for (int u = 0; u < n; u++) {
                    ObjectNode user = SampleEvents.userData(dir, d == 0 ? userId(u) : dir + "_user_" + u, "active",
                            "User" + u, SampleEvents.at(t));
                    producer.send(new ProducerRecord<>(Topics.EVENTS, dir,
                            SampleEvents.envelope("evt_" + t, "dsync.user.created", SampleEvents.at(t++), user)));
                }
            }
            producer.flush();
        }
    }

    private static String userId(int u) {
        return String.format("directory_user_01BENCH%06d", u);
    }

    private static void waitForAll(HttpClient http, Instance owner, int users) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String last = "/v1/directories/" + BIG + "/users/" + userId(users - 1);
        while (get(http, owner, last).statusCode() != 200) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the users were not applied within 5 minutes");
            }
            Thread.sleep(200);
        }
    }

    private static double[] latencies(HttpClient http, Instance target, String path, int n) throws Exception {
        double[] ms = new double[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = get(http, target, path);
            ms[i] = (System.nanoTime() - start) / 1e6;
            if (r.statusCode() != 200) {
                throw new IllegalStateException(path + " answered " + r.statusCode() + ": " + r.body());
            }
        }
        return ms;
    }

    /** Milliseconds to walk all users of the big directory, 100 a page. */
    private static double page(HttpClient http, Instance target) throws Exception {
        long start = System.nanoTime();
        String after = null;
        int seen = 0;
        do {
            HttpResponse<String> r = get(http, target, "/v1/directories/" + BIG + "/users?limit=100"
                    + (after == null ? "" : "&after=" + after));
            if (r.statusCode() != 200) {
                throw new IllegalStateException("paging answered " + r.statusCode() + ": " + r.body());
            }
            JsonNode body = MAPPER.readTree(r.body());
            seen += body.path("data").size();
            JsonNode next = body.path("list_metadata").path("after");
            after = next.isNull() ? null : next.asText();
        } while (after != null);
        double ms = (System.nanoTime() - start) / 1e6;
        if (seen == 0) {
            throw new IllegalStateException("no users");
        }
        return ms;
    }

    private static HttpResponse<String> get(HttpClient http, Instance target, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(target.base() + path))
                .header("Authorization", "Bearer " + TOKEN).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double pct(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }
}
