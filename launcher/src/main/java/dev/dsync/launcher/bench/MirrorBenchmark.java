package dev.dsync.launcher.bench;

import dev.dsync.launcher.LocalStackAccess;
import dev.dsync.launcher.simulate.WebhookDelivery;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code ./dsync bench mirror}: an initial-sync burst sent as signed webhooks to a fresh local stack, timed from
 * the first webhook to the last row visible in PostgreSQL.
 */
public final class MirrorBenchmark {

    private MirrorBenchmark() {
    }

    /** Runs the benchmark and prints its results; {@code concurrency} webhooks are in flight at a time. */
    public static void run(int users, int groups, int memberships, int runs, int concurrency) throws Exception {
        PrintStream out = System.out;
        out.printf("mirror benchmark: %d users, %d groups, %d memberships (%d webhooks), %d runs on a fresh stack each%n",
                users, groups, memberships, 1 + users + groups + memberships, runs);
        double[] seconds = new double[runs];
        double[] sendSeconds = new double[runs];
        for (int run = 0; run < runs; run++) {
            Path dir = Files.createTempDirectory("dsync-bench-mirror");
            try (LocalStackAccess stack = LocalStackAccess.startIsolated(dir, Map.of(), new PrintStream(
                    java.io.OutputStream.nullOutputStream()))) {
                List<byte[]> burst = initialSync(run, users, groups, memberships);
                long started = System.nanoTime();
                WebhookDelivery.Stats stats = new WebhookDelivery(
                        URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos"), stack.webhookSecret(),
                        concurrency).deliver(burst, new WebhookDelivery.Faults(1, 0, 0, 1, 0), run, out);
                sendSeconds[run] = (System.nanoTime() - started) / 1e9;
                if (stats.failed() > 0) {
                    throw new IllegalStateException(stats.failed() + " webhooks were not accepted");
                }
                try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync")) {
                    while (count(db, "directory_users") < users || count(db, "directory_groups") < groups
                            || count(db, "directory_group_memberships") < memberships) {
                        Thread.sleep(100);
                    }
                }
                seconds[run] = (System.nanoTime() - started) / 1e9;
                out.printf(Locale.ROOT, "run %d: webhooks sent in %.1f s (%.0f/s); last row in PostgreSQL after %.1f s%n",
                        run + 1, sendSeconds[run], burst.size() / sendSeconds[run], seconds[run]);
            }
        }
        out.println();
        out.println("| measurement (median of " + runs + " runs) | value |");
        out.println("|---|---|");
        out.printf(Locale.ROOT, "| %d webhooks sent (acknowledged by Kafka) | %.1f s |%n",
                1 + users + groups + memberships, LatencyRecorder.median(sendSeconds));
        out.printf(Locale.ROOT, "| first webhook to last row in PostgreSQL | %.1f s |%n", LatencyRecorder.median(seconds));
    }

    private static long count(Connection db, String table) throws Exception {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** dsync.activated, then every user, every group and the memberships, as WorkOS sends an initial sync. */
    static List<byte[]> initialSync(int run, int users, int groups, int memberships) {
        Random random = new Random(run);
        String directory = "directory_bench" + run;
        String org = "org_bench" + run;
        Instant t = Instant.parse("2026-06-01T00:00:00Z");
        List<byte[]> events = new ArrayList<>(1 + users + groups + memberships);
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

    private static byte[] event(int n, String type, String data, Instant at) {
        return ("{\"object\":\"event\",\"id\":\"event_bench_" + n + "\",\"event\":\"" + type + "\",\"data\":" + data
                + ",\"created_at\":\"" + at + "\",\"context\":{}}").getBytes(StandardCharsets.UTF_8);
    }
}
