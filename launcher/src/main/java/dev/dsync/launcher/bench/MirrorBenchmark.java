package dev.dsync.launcher.bench;

import dev.dsync.launcher.LocalStackAccess;
import dev.dsync.events.Topics;
import java.io.PrintStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./dsync bench mirror}: an initial-sync burst sent as signed webhooks to a fresh local stack (everything
 * {@code ./dsync up} runs, in this JVM) by a sender in a separate process, timed from the first webhook to the last
 * row visible in PostgreSQL, with the run's own breakdown: the last webhook acknowledged (gateway), the last
 * change-log record committed (topology), the last row (sink); and the resident memory of the stack afterwards.
 */
public final class MirrorBenchmark {

    private MirrorBenchmark() {
    }

    /** Runs the benchmark and prints its results; {@code concurrency} webhooks are in flight at a time. */
    public static void run(int users, int groups, int memberships, int runs, int concurrency) throws Exception {
        PrintStream out = System.out;
        long webhooks = 1L + users + groups + memberships;
        out.printf("mirror benchmark: %d users, %d groups, %d memberships (%d webhooks), %d runs on a fresh stack each; "
                + "sender: a separate process, %d connections%n", users, groups, memberships, webhooks, runs, concurrency);
        double[] total = new double[runs];
        double[] gateway = new double[runs];
        double[] topology = new double[runs];
        double[] jvmRss = new double[runs];
        double[] postgresRss = new double[runs];
        for (int run = 0; run < runs; run++) {
            Path dir = Files.createTempDirectory("dsync-bench-mirror");
            // each run's stack (broker logs, state, PostgreSQL) takes about 2 GB: removed once it is closed
            try (WorkDir ignored = new WorkDir(dir); LocalStackAccess stack = LocalStackAccess.startIsolated(dir, Map.of(), new PrintStream(
                    java.io.OutputStream.nullOutputStream()))) {
                Path burst = dir.resolve("burst.jsonl");
                Files.write(burst, initialSync(run, users, groups, memberships));
                try (TopologyBenchmark.CommittedCounter changes = new TopologyBenchmark.CommittedCounter(
                        stack.embeddedKafka(), Topics.CHANGE_LOGS)) {
                    var lastChange = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        changes.awaitCount(webhooks, Duration.ofMinutes(20));
                        return System.currentTimeMillis();
                    });
                    String result = LoadGenerator.spawn("deliver", "http://127.0.0.1:" + stack.gatewayPort()
                            + "/webhooks/workos", stack.webhookSecret(), String.valueOf(concurrency), burst.toString());
                    Matcher m = Pattern.compile("DELIVERED (\\d+) (\\d+) (\\d+) (\\d+)").matcher(result);
                    if (!m.find()) {
                        throw new IllegalStateException("the sender printed no result: " + result);
                    }
                    long first = Long.parseLong(m.group(3));
                    long lastAck = Long.parseLong(m.group(4));
                    long lastRow;
                    try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync")) {
                        while (count(db, "directory_users") < users || count(db, "directory_groups") < groups
                                || count(db, "directory_group_memberships") < memberships) {
                            Thread.sleep(100);
                        }
                        lastRow = System.currentTimeMillis();
                    }
                    long lastCommitted = lastChange.get();
                    total[run] = (lastRow - first) / 1000.0;
                    gateway[run] = (lastAck - first) / 1000.0;
                    topology[run] = (lastCommitted - first) / 1000.0;
                    jvmRss[run] = memoryMiB(ProcessHandle.current().pid(), "status", "VmRSS:");
                    // the embedded PostgreSQL: its postmaster (pg_ctl detaches it; its command names our data
                    // directory) and that one's children, counted proportionally (Pss) for their shared buffers
                    String dataDir = dir.toAbsolutePath().toString();
                    postgresRss[run] = ProcessHandle.allProcesses()
                            .filter(p -> p.pid() != ProcessHandle.current().pid()
                                    && p.info().commandLine().orElse("").contains(dataDir))
                            .flatMap(p -> java.util.stream.Stream.concat(java.util.stream.Stream.of(p), p.descendants()))
                            .distinct()
                            .mapToDouble(p -> memoryMiB(p.pid(), "smaps_rollup", "Pss:")).sum();
                    out.printf(Locale.ROOT, "run %d: last webhook acknowledged after %.1f s (%.0f/s, %s retried), "
                                    + "last change-log record %.1f s, last row in PostgreSQL %.1f s; resident memory: "
                                    + "JVM %.0f MiB, PostgreSQL %.0f MiB%n", run + 1, gateway[run], webhooks / gateway[run],
                            m.group(2), topology[run], total[run], jvmRss[run], postgresRss[run]);
                }
            }
        }
        out.println();
        out.println("| measurement (median of " + runs + " runs), from the first webhook | value |");
        out.println("|---|---|");
        out.printf(Locale.ROOT, "| last of %d webhooks acknowledged (gateway) | %.1f s (%.0f webhooks/s) |%n", webhooks,
                LatencyRecorder.median(gateway), webhooks / LatencyRecorder.median(gateway));
        out.printf(Locale.ROOT, "| last change-log record committed (topology) | %.1f s |%n", LatencyRecorder.median(topology));
        out.printf(Locale.ROOT, "| last row in PostgreSQL (sink) | %.1f s |%n", LatencyRecorder.median(total));
        out.printf(Locale.ROOT, "| resident memory after the sync: the JVM (broker, Connect, topology, gateway, RSS) + "
                + "PostgreSQL (PSS) | %.0f MiB + %.0f MiB |%n", LatencyRecorder.median(jvmRss), LatencyRecorder.median(postgresRss));
        out.println("JVM options: " + java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
    }

    /** A field in kB of {@code /proc/<pid>/<file>}, in MiB (0 where /proc has no such process). */
    private static double memoryMiB(long pid, String file, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/" + file))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return 0;
    }

    static long count(Connection db, String table) throws Exception {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** dsync.activated, then every user, every group and the memberships, as WorkOS sends an initial sync. */
    static List<String> initialSync(int run, int users, int groups, int memberships) {
        Random random = new Random(run);
        String directory = "directory_bench" + run;
        String org = "org_bench" + run;
        Instant t = Instant.parse("2026-06-01T00:00:00Z");
        List<String> events = new ArrayList<>(1 + users + groups + memberships);
        events.add(event(0, "dsync.activated", "{\"object\":\"directory\",\"id\":\"" + directory + "\",\"organization_id\":\""
                + org + "\",\"type\":\"okta scim v2.0\",\"state\":\"active\",\"name\":\"Bench Corp\",\"domains\":[],"
                + "\"created_at\":\"" + t + "\",\"updated_at\":\"" + t + "\"}", t));
        for (int u = 0; u < users; u++) {
            Instant at = t.plusMillis(events.size());
            events.add(event(events.size(), "dsync.user.created", user(directory, org, u, at), at));
        }
        for (int g = 0; g < groups; g++) {
            Instant at = t.plusMillis(events.size());
            events.add(event(events.size(), "dsync.group.created", group(directory, org, g, at), at));
        }
        java.util.Set<Long> pairs = new java.util.HashSet<>();
        while (pairs.size() < memberships) {
            int u = random.nextInt(users);
            int g = random.nextInt(groups);
            if (pairs.add((long) g * users + u)) {
                Instant at = t.plusMillis(events.size());
                events.add(event(events.size(), "dsync.group.user_added", "{\"directory_id\":\"" + directory + "\",\"user\":"
                        + user(directory, org, u, t) + ",\"group\":" + group(directory, org, g, t) + "}", at));
            }
        }
        return events;
    }

    private static String user(String directory, String org, int u, Instant at) {
        return "{\"object\":\"directory_user\",\"id\":\"directory_user_b" + u + "\",\"directory_id\":\"" + directory
                + "\",\"organization_id\":\"" + org + "\",\"idp_id\":\"i" + u + "\",\"email\":\"user" + u
                + "@bench.example\",\"first_name\":\"Zoë\",\"last_name\":\"Müller\",\"name\":\"Zoë Müller\",\"state\":\"active\","
                + "\"raw_attributes\":{},\"custom_attributes\":{\"department_name\":\"R&D\",\"employee_number\":\"E-" + u + "\"},"
                + "\"role\":{\"slug\":\"member\"},\"roles\":[{\"slug\":\"member\"}],\"created_at\":\"" + at + "\",\"updated_at\":\"" + at + "\"}";
    }

    private static String group(String directory, String org, int g, Instant at) {
        return "{\"object\":\"directory_group\",\"id\":\"directory_group_b" + g + "\",\"idp_id\":\"g" + g + "\",\"directory_id\":\""
                + directory + "\",\"organization_id\":\"" + org + "\",\"name\":\"Group " + g + "\",\"raw_attributes\":{},"
                + "\"created_at\":\"" + at + "\",\"updated_at\":\"" + at + "\"}";
    }

    private static String event(int n, String type, String data, Instant at) {
        return ("{\"object\":\"event\",\"id\":\"event_bench_" + n + "\",\"event\":\"" + type + "\",\"data\":" + data
                + ",\"created_at\":\"" + at + "\",\"context\":{}}");
    }
}
