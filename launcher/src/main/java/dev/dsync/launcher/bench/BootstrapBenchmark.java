package dev.dsync.launcher.bench;

import dev.dsync.launcher.LocalStackAccess;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * {@code ./dsync bench bootstrap}: a fresh {@code ./dsync up} with a WorkOS API key bootstraps a world that a local
 * fake of WorkOS's API serves at WorkOS's documented limits (4 requests per second per directory on
 * {@code /directory_users}, 6,000 per minute per key) and dsync's own budget ({@code DSYNC_WORKOS_MAX_RPS}, 20).
 * Timed from the first list request to the last row in PostgreSQL, next to the floor those limits impose.
 */
public final class BootstrapBenchmark {

    private static final String KEY = "sk_test_bench_bootstrap";
    private static final int PAGE = 100;
    private static final double DIRECTORY_USERS_RPS = 4;
    private static final double MAX_RPS = 20;

    private BootstrapBenchmark() {
    }

    /** Runs the benchmark and prints its results. */
    public static void run(int users, int groups, int memberships, int directories, int runs) throws Exception {
        PrintStream out = System.out;
        int usersPerDirectory = (users + directories - 1) / directories;
        int groupsPerDirectory = (groups + directories - 1) / directories;
        long userPages = pages(usersPerDirectory);
        long requests = 1 + directories * (1 + pages(groupsPerDirectory) + userPages);
        // the per-directory limit bounds each directory's user listing; the budget bounds all requests together
        int parallel = (int) Math.max(1, Math.min(8, MAX_RPS / DIRECTORY_USERS_RPS));
        double floor = Math.max(requests / MAX_RPS,
                Math.ceil((double) directories / parallel) * userPages / DIRECTORY_USERS_RPS);
        out.printf(Locale.ROOT, "bootstrap benchmark: %d directories, %d users, %d groups, %d memberships; %d list "
                + "requests; floor %.1f s (4 req/s per directory on /directory_users, %.0f req/s in all); %d runs%n",
                directories, users, groups, memberships, requests, floor, MAX_RPS, runs);
        double[] seconds = new double[runs];
        double[] listing = new double[runs];
        for (int run = 0; run < runs; run++) {
            Path dir = Files.createTempDirectory("dsync-bench-bootstrap");
            int port = dev.dsync.embedded.EmbeddedKafka.freePort();
            try (WorkDir ignored = new WorkDir(dir); FakeWorkosApi workos = FakeWorkosApi.start(KEY, port)) {
                populate(workos, run, directories, usersPerDirectory, groupsPerDirectory, memberships / directories);
                try (LocalStackAccess stack = LocalStackAccess.startIsolated(dir, Map.of(
                        "WORKOS_API_KEY", KEY, "WORKOS_API_URL", workos.url().toString(),
                        "DSYNC_RECONCILE_INTERVAL", "off"), new PrintStream(java.io.OutputStream.nullOutputStream()))) {
                    long total = (long) usersPerDirectory * directories;
                    try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync")) {
                        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
                        while (count(db, "directory_users") < total
                                || count(db, "directory_groups") < (long) groupsPerDirectory * directories
                                || count(db, "directory_group_memberships") < expectedMemberships) {
                            if (System.nanoTime() > deadline) {
                                throw new IllegalStateException("the mirror was not complete after 30 minutes");
                            }
                            Thread.sleep(100);
                        }
                    }
                    Instant done = Instant.now();
                    List<FakeWorkosApi.Request> lists = workos.requests().stream()
                            .filter(r -> r.path().startsWith("/directory")).toList();
                    Instant first = lists.getFirst().at();
                    seconds[run] = Duration.between(first, done).toMillis() / 1000.0;
                    listing[run] = Duration.between(first, lists.getLast().at()).toMillis() / 1000.0;
                    out.printf(Locale.ROOT, "run %d: listing %.1f s (%d requests, %d answered 429), complete mirror "
                            + "after %.1f s = %.2f x the floor%n", run + 1, listing[run], lists.size(),
                            workos.rateLimited(), seconds[run], seconds[run] / floor);
                }
            }
        }
        out.println();
        out.println("| measurement (median of " + runs + " runs) | value |");
        out.println("|---|---|");
        out.printf(Locale.ROOT, "| floor set by WorkOS's limits and DSYNC_WORKOS_MAX_RPS | %.1f s |%n", floor);
        out.printf(Locale.ROOT, "| listing (first to last request) | %.1f s |%n", LatencyRecorder.median(listing));
        out.printf(Locale.ROOT, "| first request to last row in PostgreSQL | %.1f s (%.2f x the floor) |%n",
                LatencyRecorder.median(seconds), LatencyRecorder.median(seconds) / floor);
    }

    private static long expectedMemberships;

    private static long pages(long items) {
        return Math.max(1, (items + PAGE - 1) / PAGE);
    }

    /** The world, put straight into the fake (no events: it existed before dsync started). */
    private static void populate(FakeWorkosApi workos, int run, int directories, int users, int groups,
                                 int memberships) {
        Random random = new Random(run);
        String t = Instant.parse("2026-06-01T00:00:00Z").toString();
        expectedMemberships = 0;
        for (int d = 0; d < directories; d++) {
            String dir = "directory_boot" + run + "_" + d;
            String org = "org_boot" + run + "_" + d;
            workos.applySilently("dsync.activated", "{\"object\":\"directory\",\"id\":\"" + dir + "\",\"organization_id\":\""
                    + org + "\",\"type\":\"okta scim v2.0\",\"state\":\"active\",\"name\":\"Bench Corp\",\"domains\":[],"
                    + "\"created_at\":\"" + t + "\",\"updated_at\":\"" + t + "\"}");
            String[] userJson = new String[users];
            String[] groupJson = new String[groups];
            for (int u = 0; u < users; u++) {
                userJson[u] = "{\"object\":\"directory_user\",\"id\":\"directory_user_" + d + "_" + u + "\",\"directory_id\":\""
                        + dir + "\",\"organization_id\":\"" + org + "\",\"idp_id\":\"i" + u + "\",\"email\":\"user" + u
                        + "@bench.example\",\"first_name\":\"Zoë\",\"last_name\":\"Müller\",\"name\":\"Zoë Müller\","
                        + "\"state\":\"active\",\"raw_attributes\":{},\"custom_attributes\":{\"department_name\":\"R&D\","
                        + "\"employee_number\":\"E-" + u + "\"},\"role\":{\"slug\":\"member\"},\"roles\":[{\"slug\":\"member\"}],"
                        + "\"created_at\":\"" + t + "\",\"updated_at\":\"" + t + "\"}";
                workos.applySilently("dsync.user.created", userJson[u]);
            }
            for (int g = 0; g < groups; g++) {
                groupJson[g] = "{\"object\":\"directory_group\",\"id\":\"directory_group_" + d + "_" + g + "\",\"idp_id\":\"g"
                        + g + "\",\"directory_id\":\"" + dir + "\",\"organization_id\":\"" + org + "\",\"name\":\"Group " + g
                        + "\",\"raw_attributes\":{},\"created_at\":\"" + t + "\",\"updated_at\":\"" + t + "\"}";
                workos.applySilently("dsync.group.created", groupJson[g]);
            }
            Set<Long> pairs = new HashSet<>();
            while (pairs.size() < Math.min(memberships, (long) users * groups)) {
                int u = random.nextInt(users);
                int g = random.nextInt(groups);
                if (pairs.add((long) g * users + u)) {
                    workos.applySilently("dsync.group.user_added", "{\"directory_id\":\"" + dir + "\",\"user\":"
                            + userJson[u] + ",\"group\":" + groupJson[g] + "}");
                }
            }
            expectedMemberships += pairs.size();
        }
    }

    private static long count(Connection db, String table) throws Exception {
        try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("select count(*) from " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
