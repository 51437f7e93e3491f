package dev.dsync.launcher.bench;

import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.signature.SignatureVerifier;
import dev.dsync.gateway.Gateway;
import dev.dsync.gateway.GatewayConfig;
import dev.dsync.launcher.LocalStackAccess;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./dsync bench gateway}: signed, realistic webhooks over HTTP from a separate process, side by side in one
 * run: a bare Helidon route (the ceiling), the gateway alone on an in-process broker (acks=all), and the gateway
 * inside the whole local stack (broker, topology, Connect and PostgreSQL all running, as {@code ./dsync up}).
 *
 * <p>Peaks are closed loops by wrk where it is installed (every request a fresh event, pre-signed just before the
 * measurement), by {@link LoadGenerator} otherwise; the latency at half the stack's peak is an open loop by
 * {@link LoadGenerator}, measured from each request's scheduled start. The servers run in this JVM, the load
 * generators never do.
 */
public final class GatewayBenchmark {

    private static final String SECRET = "whsec_benchmark";
    private static final int WRK_THREADS = 2;
    /** One round of unmeasured load before a server's first measurement (runs kept improving after 3 s). */
    private static final int WARM_UP_SECONDS = 10;
    /**
     * Warm-up rounds go on until the JIT's compile time (elapsed, summed over its threads) is under this share of a
     * round. One round does for the bare route and the gateway alone; the whole stack has the broker's, Streams',
     * Connect's and the sink's code to compile too: after one round its C2 thread still took 40% of a core through the
     * first measurement, and that run was the slowest of every set.
     */
    private static final double WARM_UP_SETTLED_JIT_SHARE = 0.10;
    private static final int WARM_UP_MAX_ROUNDS = 4;
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    private GatewayBenchmark() {
    }

    /** One closed-loop measurement: requests/s, latency percentiles, requests that did not get a 200. */
    record Peak(double rate, double p50, double p99, long failed) {
    }

    /** Runs the benchmark and prints its results. */
    public static void run(int connections, int seconds, int runs) throws Exception {
        boolean wrk = Wrk.installed();
        System.out.printf("gateway benchmark: %d connections, %d s per measurement, %d runs (medians reported); "
                        + "peaks by %s, open loop by a separate JVM%n", connections, seconds, runs,
                wrk ? "wrk (" + WRK_THREADS + " threads)" : "a separate JVM (wrk is not installed)");
        Path dir = Files.createTempDirectory("dsync-bench-gateway");
        Driver driver = new Driver(dir, wrk, connections, seconds);
        List<Peak> bare = new ArrayList<>();
        List<Peak> alone = new ArrayList<>();
        try (EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0).start()) {
            kafka.createContractTopics(3);
            WebServer noop = WebServer.builder().host("127.0.0.1").port(0)
                    .routing(r -> r.post("/noop", (req, res) -> {
                        req.content().consume();
                        res.send("{\"status\":\"ok\"}");
                    }))
                    .build().start();
            GatewayConfig config = GatewayConfig.fromEnv(Map.of("WORKOS_WEBHOOK_SECRET", SECRET,
                    "DSYNC_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(), "DSYNC_GATEWAY_HOST", "127.0.0.1",
                    "DSYNC_GATEWAY_PORT", "0"));
            try (Gateway gateway = Gateway.start(config)) {
                String noopUrl = "http://127.0.0.1:" + noop.port() + "/noop";
                String gatewayUrl = "http://127.0.0.1:" + gateway.port() + "/webhooks/workos";
                driver.warmUp(noopUrl, SECRET);
                driver.warmUp(gatewayUrl, SECRET);
                for (int run = 1; run <= runs; run++) {
                    bare.add(driver.peak(noopUrl, SECRET, "bare route", run));
                    alone.add(driver.peak(gatewayUrl, SECRET, "gateway alone", run));
                }
            } finally {
                noop.stop();
            }
        }
        List<Peak> stack = new ArrayList<>();
        List<Peak> half = new ArrayList<>();
        try (LocalStackAccess local = LocalStackAccess.startIsolated(dir.resolve("stack"), Map.of(),
                new PrintStream(OutputStream.nullOutputStream()))) {
            String url = "http://127.0.0.1:" + local.gatewayPort() + "/webhooks/workos";
            driver.warmUp(url, local.webhookSecret());
            for (int run = 1; run <= runs; run++) {
                // each measurement starts with the pipeline idle: a peak leaves tens of thousands of events for the
                // topology and the sink to finish, which would otherwise weigh on the next measurement
                settle(local);
                Peak peak = driver.peak(url, local.webhookSecret(), "gateway in the whole stack", run);
                stack.add(peak);
                settle(local);
                half.add(driver.openLoop(url, local.webhookSecret(), peak.rate() / 2, run));
            }
        }
        double bareRate = median(bare, Peak::rate);
        double aloneRate = median(alone, Peak::rate);
        double stackRate = median(stack, Peak::rate);
        System.out.println();
        System.out.println("| measurement (median of " + runs + " runs) | req/s | p50 | p99 |");
        System.out.println("|---|---|---|---|");
        row("bare Helidon route, peak", bare, "");
        row("gateway alone (broker, acks=all), peak", alone, String.format(Locale.ROOT, " = %.0f%% of the bare route",
                100 * aloneRate / bareRate));
        row("gateway inside the whole stack, peak", stack, "");
        row(String.format(Locale.ROOT, "gateway inside the whole stack at half its peak (open loop, ~%.0f req/s)",
                stackRate / 2), half, "");
        long failed = bare.stream().mapToLong(Peak::failed).sum() + alone.stream().mapToLong(Peak::failed).sum()
                + stack.stream().mapToLong(Peak::failed).sum() + half.stream().mapToLong(Peak::failed).sum();
        System.out.println();
        System.out.println("requests without a 200 in all measurements: " + failed);
        TopologyBenchmark.deleteQuietly(dir);
    }

    /** Waits until the mirror has every user the stack accepted: PostgreSQL's count stops growing for 2 s. */
    private static void settle(LocalStackAccess local) throws Exception {
        long started = System.nanoTime();
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(local.jdbcUrl(), "dsync", "dsync")) {
            long last = -1;
            int stableSeconds = 0;
            while (stableSeconds < 2 && System.nanoTime() - started < 300_000_000_000L) {
                Thread.sleep(1000);
                long count = MirrorBenchmark.count(db, "directory_users");
                stableSeconds = count == last ? stableSeconds + 1 : 0;
                last = count;
            }
        }
        System.out.printf(Locale.ROOT, "(the stack settled in %.0f s)%n", (System.nanoTime() - started) / 1e9);
    }

    private static void row(String what, List<Peak> peaks, String note) {
        System.out.printf(Locale.ROOT, "| %s | %.0f%s | %.2f ms | %.2f ms |%n", what, median(peaks, Peak::rate), note,
                median(peaks, Peak::p50), median(peaks, Peak::p99));
    }

    private static double median(List<Peak> peaks, java.util.function.ToDoubleFunction<Peak> field) {
        return LatencyRecorder.median(peaks.stream().mapToDouble(field).toArray());
    }

    /** Runs the load generators: wrk or a {@link LoadGenerator} process for peaks, a LoadGenerator for open loops. */
    private record Driver(Path dir, boolean wrk, int connections, int seconds) {

        void warmUp(String url, String secret) throws Exception {
            for (int round = 1; round <= WARM_UP_MAX_ROUNDS; round++) {
                long compiledBefore = JIT.getTotalCompilationTime();
                if (wrk) {
                    Wrk.run(dir, url, connections, WARM_UP_SECONDS, signedEvents(secret, "warm" + round + url.hashCode(),
                            WARM_UP_SECONDS));
                } else {
                    LoadGenerator.Result ignored = generator("closed", url, secret, connections, WARM_UP_SECONDS, 0);
                }
                long compiling = JIT.getTotalCompilationTime() - compiledBefore;
                System.out.printf(Locale.ROOT, "warm-up round %d: JIT compile time %.1f s (summed over compiler "
                        + "threads)%n", round, compiling / 1000.0);
                if (compiling < WARM_UP_SETTLED_JIT_SHARE * WARM_UP_SECONDS * 1000) {
                    return;
                }
            }
        }

        Peak peak(String url, String secret, String what, int run) throws Exception {
            Peak peak;
            List<Path> events = wrk ? signedEvents(secret, "r" + run + what.hashCode(), seconds) : List.of();
            long compiledBefore = JIT.getTotalCompilationTime();
            if (wrk) {
                peak = Wrk.run(dir, url, connections, seconds, events);
            } else {
                LoadGenerator.Result r = generator("closed", url, secret, connections, seconds, run);
                peak = new Peak(r.rate(), r.p50(), r.p99(), r.errors());
            }
            System.out.printf(Locale.ROOT, "run %d, %s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d without 200 "
                    + "(JIT compile time %.1f s)%n", run, what, peak.rate(), peak.p50(), peak.p99(), peak.failed(),
                    (JIT.getTotalCompilationTime() - compiledBefore) / 1000.0);
            return peak;
        }

        Peak openLoop(String url, String secret, double rate, int run) throws Exception {
            LoadGenerator.Result r = generator("open", url, secret, rate, seconds, run);
            System.out.printf(Locale.ROOT, "run %d, open loop at %.0f req/s: delivered %.0f req/s, p50 %.2f ms, "
                    + "p99 %.2f ms, %d without 200%n", run, rate, r.rate(), r.p50(), r.p99(), r.errors());
            return new Peak(r.rate(), r.p50(), r.p99(), r.errors());
        }

        /**
         * Fresh events for one wrk measurement, signed now (well inside the gateway's 180 s tolerance), one file per
         * wrk thread: enough for 40,000 requests/s; wrk starts over from the first if it sends more (it says so).
         */
        private List<Path> signedEvents(String secret, String prefix, int seconds) throws IOException {
            int perThread = 40_000 * seconds / WRK_THREADS;
            List<Path> files = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int t = 0; t < WRK_THREADS; t++) {
                Path file = dir.resolve("requests-" + (t + 1) + ".txt");
                try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                    for (int n = 0; n < perThread; n++) {
                        byte[] body = userCreated(prefix + "t" + t, n);
                        out.write(SignatureVerifier.header(secret, now, body));
                        out.write('\t');
                        out.write(new String(body, StandardCharsets.UTF_8));
                        out.write('\n');
                    }
                }
                files.add(file);
            }
            return files;
        }

        private LoadGenerator.Result generator(String mode, String url, String secret, double amount, int seconds,
                                               int run) throws Exception {
            String output = LoadGenerator.spawn(mode, url, secret,
                    mode.equals("open") ? String.valueOf(amount) : String.valueOf((int) amount),
                    String.valueOf(seconds), String.valueOf(run));
            Matcher m = Pattern.compile("RESULT (\\S+) (\\S+) (\\S+) (\\d+)").matcher(output);
            if (!m.find()) {
                throw new IllegalStateException("the load generator printed no result: " + output);
            }
            return new LoadGenerator.Result(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)),
                    Double.parseDouble(m.group(3)), Long.parseLong(m.group(4)));
        }
    }

    /** A {@code dsync.user.created} of the size and shape WorkOS sends (about 1.3 KB), unique per sender and n. */
    static byte[] userCreated(String sender, long n) {
        String directory = "directory_01BENCH" + Math.floorMod(sender.hashCode() * 31 + n, 50);
        String user = "directory_user_01BENCH" + sender + "x" + n;
        return ("{\"object\":\"event\",\"id\":\"event_01BENCH" + sender + "x" + n + "\",\"event\":\"dsync.user.created\","
                + "\"data\":{\"object\":\"directory_user\",\"id\":\"" + user + "\",\"directory_id\":\"" + directory + "\","
                + "\"organization_id\":\"org_01KAG8K70DHD9M26PTF1H0D6N1\",\"idp_id\":\"00u9x2kd1fQp7zYt35d7\","
                + "\"email\":\"amara.okafor" + n + "@acme-corp.example\",\"first_name\":\"Amara\",\"last_name\":\"Okafor-Reyes\","
                + "\"name\":\"Amara Okafor-Reyes\",\"state\":\"active\",\"raw_attributes\":{},\"custom_attributes\":{"
                + "\"department_name\":\"Platform Engineering\",\"job_title\":\"Staff Software Engineer\","
                + "\"manager_email\":\"dana.whitfield@acme-corp.example\",\"employee_number\":\"E-10442\","
                + "\"emails\":[{\"type\":\"work\",\"value\":\"amara.okafor@acme-corp.example\",\"primary\":true}],"
                + "\"username\":\"amara.okafor@acme-corp.example\"},\"role\":{\"slug\":\"admin\"},\"roles\":[{\"slug\":\"admin\"}],"
                + "\"created_at\":\"2026-06-09T08:15:09.774Z\",\"updated_at\":\"2026-06-09T08:15:09.774Z\"},"
                + "\"created_at\":\"2026-06-09T08:15:09.802Z\",\"context\":{}}").getBytes(StandardCharsets.UTF_8);
    }
}
