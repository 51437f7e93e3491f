package dev.dsync.launcher.simulate;

import dev.dsync.events.config.DsyncEnv;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import dev.dsync.launcher.simulate.DriftExpectation.DirectoryDrift;
import dev.dsync.workos.fake.FakeDirectoryWorld;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./dsync simulate --api}: plays WorkOS's API (a {@link FakeWorkosApi} on the port of {@code WORKOS_API_URL})
 * for a running stack that follows it, and checks three ways a mirror is built and kept:
 * <ol>
 *   <li><b>bootstrap</b>: a world whose whole history predates the Events API's retention, with no webhooks; dsync
 *       must read it from the list endpoints;</li>
 *   <li><b>catch-up</b>: live changes, delivered as webhooks with a fraction dropped; the Events API carries them
 *       all;</li>
 *   <li><b>reconciliation</b>: changes WorkOS never announces; a requested reconciliation must report exactly them
 *       as drift, repair them, and a second one must report none.</li>
 * </ol>
 * After each phase the query API and PostgreSQL must match the fake's world exactly.
 */
public final class ApiSimulator {

    /** The bootstrap history starts this long ago: older than the Events API's 30-day retention. */
    static final Duration HISTORY_AGE = Duration.ofDays(40);

    /** A refusal to start, for exit status 2; the message says what to fix. */
    public static final class OptionsException extends Exception {
        public OptionsException(String message) {
            super(message);
        }
    }

    /** What to drive and where: the plain simulator's settings plus the fake API's key, port and the drop rate. */
    public record Options(Simulator.Options base, String apiKey, int apiPort, double drop) {

        /** {@code ./dsync simulate --api --users}'s default. */
        public static final int DEFAULT_USERS = 1000;
        /** {@code ./dsync simulate --api --drop}'s default: the fraction of webhooks never sent in the catch-up. */
        public static final double DEFAULT_DROP = 0.10;

        /**
         * The given settings, checked, and the stack and the fake API from the environment ({@code WORKOS_API_KEY},
         * {@code WORKOS_API_URL}, and what {@link Simulator.Options#from} reads).
         *
         * @throws OptionsException when a setting is out of range or the environment does not name a local fake API
         */
        public static Options from(int users, long seed, double drop, int timeout, int concurrency,
                                   Map<String, String> env, Path dataDir) throws OptionsException {
            if (users < 20) {
                throw new OptionsException("simulate --api: --users must be at least 20");
            }
            if (!(drop >= 0 && drop <= 1)) {
                throw new OptionsException("simulate --api: --drop is a fraction between 0 and 1, such as 0.10");
            }
            if (timeout < 1 || concurrency < 1) {
                throw new OptionsException("simulate --api: --timeout and --concurrency must be positive");
            }
            String key = DsyncEnv.WORKOS_API_KEY.get(env);
            if (key == null || key.isBlank()) {
                throw new OptionsException("simulate --api: set WORKOS_API_KEY and WORKOS_API_URL to the values ./dsync up"
                        + " was started with, e.g. WORKOS_API_KEY=sk_test_x WORKOS_API_URL=http://127.0.0.1:8090");
            }
            int port = localPort(DsyncEnv.WORKOS_API_URL.text(env).orElse(null));
            Simulator.Options base;
            try {
                base = Simulator.Options.from(users, seed, concurrency, timeout, env, dataDir);
            } catch (IllegalArgumentException | IOException e) {
                throw new OptionsException("simulate --api: " + e.getMessage());
            }
            if (base.queryToken() == null) {
                throw new OptionsException("simulate --api: no query API token: set DSYNC_QUERY_TOKEN or start ./dsync up"
                        + " first (it writes .dsync/query-token)");
            }
            return new Options(base, key.trim(), port, drop);
        }

        /** The port of a local http URL ({@code http://127.0.0.1:<port>} or {@code http://localhost:<port>}). */
        static int localPort(String url) throws OptionsException {
            String problem = "simulate --api: WORKOS_API_URL must be a local http URL with a port, such as http://127.0.0.1:8090, where"
                    + " simulate --api serves a fake WorkOS API (got " + (url == null ? "nothing" : "'" + url + "'") + ")";
            if (url == null || url.isBlank()) {
                throw new OptionsException(problem);
            }
            URI uri;
            try {
                uri = new URI(url.trim());
            } catch (URISyntaxException e) {
                throw new OptionsException(problem);
            }
            String host = uri.getHost();
            String path = uri.getRawPath();
            boolean local = "127.0.0.1".equals(host) || "localhost".equalsIgnoreCase(host);
            if (!"http".equalsIgnoreCase(uri.getScheme()) || !local || uri.getPort() < 1 || uri.getRawUserInfo() != null
                    || uri.getRawQuery() != null || uri.getRawFragment() != null
                    || !(path == null || path.isEmpty() || path.equals("/"))) {
                throw new OptionsException(problem);
            }
            return uri.getPort();
        }
    }

    /** One phase's outcome; {@code mismatches} is empty when it passed. */
    public record Phase(String name, double seconds, List<String> mismatches) {
        public boolean passed() {
            return mismatches.isEmpty();
        }
    }

    /** Every phase that ran, in order; a run stops at the first failed phase. */
    public record Result(List<Phase> phases) {
        public boolean passed() {
            return phases.size() == 3 && phases.stream().allMatch(Phase::passed);
        }
    }

    private record Change(String type, String data, Instant at) {
    }

    private final Options options;
    private final Simulator.Options base;
    private final PrintStream out;
    private final String runId;

    private ApiSimulator(Options options, PrintStream out) {
        this.options = options;
        this.base = options.base();
        this.out = out;
        this.runId = Long.toString(Math.abs(base.seed()), 36) + Long.toString(System.nanoTime() % 1_000_000, 36);
    }

    /** Waits until the query API and PostgreSQL match {@code expected}; answers the remaining mismatches. */
    private List<String> awaitMirror(ExpectedState expected, Duration timeout) throws InterruptedException {
        return new MirrorCheck(expected).await(base.queryBase(), base.queryToken(), base.jdbcUrl(), base.jdbcUser(),
                base.jdbcPassword(), timeout, out);
    }

    public static Result run(Options options, PrintStream out) throws Exception {
        return run(options, out, fake -> { });
    }

    /**
     * As {@link #run(Options, PrintStream)}, calling {@code onStart} once the fake serves its world and before the
     * bootstrap wait (tests use it to stand in for a bootstrap that is not there).
     */
    public static Result run(Options options, PrintStream out, java.util.function.Consumer<FakeWorkosApi> onStart)
            throws Exception {
        return new ApiSimulator(options, out).run(onStart);
    }

    private Result run(java.util.function.Consumer<FakeWorkosApi> onStart) throws Exception {
        SimulatedDirectories sim = new SimulatedDirectories(base.seed(), runId, base.policy(), Instant.now().minus(HISTORY_AGE))
                .generate(base.users());
        List<Change> history = changes(sim.events());
        out.printf("Simulating the WorkOS API on http://127.0.0.1:%d: %d users, seed %d, webhook drop %.0f%%, inactive"
                        + " users: %s, timeout %d s per phase%n", options.apiPort(), base.users(), base.seed(),
                options.drop() * 100, base.policy().name().toLowerCase(Locale.ROOT), base.timeoutSeconds());
        FakeWorkosApi fake;
        try {
            // the world is complete before the first request is answered
            fake = FakeWorkosApi.start(options.apiKey(), options.apiPort(),
                    f -> history.forEach(c -> f.publish(c.type(), c.data(), c.at())));
        } catch (IllegalStateException e) {
            Phase failed = new Phase("a. bootstrap", 0, List.of("cannot serve the fake WorkOS API: " + e.getMessage()));
            report(List.of(failed));
            return new Result(List.of(failed));
        }
        List<Phase> phases = new ArrayList<>();
        try (fake) {
            onStart.accept(fake);
            Set<String> ours = sim.allDirectoryIds();
            phases.add(bootstrap(fake, history, ours));
            if (phases.getLast().passed()) {
                phases.add(catchUp(fake, sim, ours));
            }
            if (phases.getLast().passed()) {
                phases.add(reconciliation(fake, ours));
            }
        }
        report(phases);
        return new Result(phases);
    }

    // ---- a. bootstrap ----

    private Phase bootstrap(FakeWorkosApi fake, List<Change> history, Set<String> ours) throws InterruptedException {
        long started = System.nanoTime();
        WorldExpectation world = WorldExpectation.of(fake.world().snapshot(), base.policy(), ours);
        out.printf("%na. Bootstrap: %d events from %s to %s (older than the Events API's 30-day retention) published"
                        + " into the fake, no webhooks: %d directories, %d users, %d groups, %d memberships to mirror%n",
                history.size(), day(history.getFirst().at()), day(history.getLast().at()), world.expectedDirectories().size(),
                world.expectedUsers().size(), world.expectedGroups().size(), world.expectedMemberships().size());
        out.println("  waiting for dsync to read them from the list endpoints ...");
        long quietUntil = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (fake.requests().isEmpty() && System.nanoTime() < quietUntil) {
            Thread.sleep(250);
        }
        if (fake.requests().isEmpty()) {
            out.printf("  dsync has not called the fake WorkOS API yet: is ./dsync up running with WORKOS_API_KEY=%s…"
                    + " and WORKOS_API_URL=http://127.0.0.1:%d ? (still waiting)%n", prefix(options.apiKey()), options.apiPort());
        }
        List<String> mismatches = new ArrayList<>(awaitMirror(world, remaining(started)));
        printCalls(fake);
        if (!mismatches.isEmpty()) {
            boolean listed = fake.requests().stream().anyMatch(r -> !r.path().equals("/events"));
            mismatches.add(listed
                    ? "dsync read the list endpoints but the mirror does not match the world"
                    : "dsync never called the list endpoints: it bootstraps once, when the WorkOS API first answers;"
                    + " a stack that bootstrapped before (an earlier run) does not do it again: try ./dsync up --fresh");
        }
        return finish("a. bootstrap", started, mismatches);
    }

    // ---- b. catch-up ----

    private Phase catchUp(FakeWorkosApi fake, SimulatedDirectories sim, Set<String> ours) throws InterruptedException {
        long started = System.nanoTime();
        List<Change> live = changes(sim.liveChurn(Math.max(50, base.users() / 2)));
        Random random = new Random(base.seed() * 31 + 7);
        List<byte[]> delivered = new ArrayList<>();
        for (Change c : live) {
            FakeWorkosApi.StoredEvent event = fake.publish(c.type(), c.data(), c.at());
            if (random.nextDouble() >= options.drop()) {
                delivered.add(event.json().getBytes(StandardCharsets.UTF_8));
            }
        }
        out.printf("%nb. Catch-up: %d live changes published to the Events API; %d delivered as webhooks, %d dropped%n",
                live.size(), delivered.size(), live.size() - delivered.size());
        List<String> mismatches = new ArrayList<>();
        WebhookDelivery.Stats stats = new WebhookDelivery(base.webhookEndpoint(), base.webhookSecret(), base.concurrency())
                .deliver(delivered, WebhookDelivery.Faults.realistic(), base.seed(), out);
        out.printf("  webhooks sent %d (duplicates %d, late %d, non-Directory-Sync %d, retries %d) in %.1f s%n",
                stats.planned(), stats.duplicates(), stats.late(), stats.otherEvents(), stats.retries(), stats.seconds());
        if (stats.failed() > 0) {
            mismatches.add(stats.failed() + " webhooks could not be delivered");
        }
        out.println("  waiting for the mirror to catch up (the dropped ones only through the Events API) ...");
        mismatches.addAll(0, awaitMirror(WorldExpectation.of(fake.world().snapshot(), base.policy(), ours),
                remaining(started)));
        return finish("b. catch-up", started, mismatches);
    }

    // ---- c. reconciliation ----

    private Phase reconciliation(FakeWorkosApi fake, Set<String> ours) throws InterruptedException {
        long started = System.nanoTime();
        ReconciliationApi api = new ReconciliationApi(base.queryBase(), base.queryToken());
        FakeDirectoryWorld.Snapshot before = fake.world().snapshot();
        WorldExpectation mirrorHolds = WorldExpectation.of(before, base.policy(), ours);
        out.printf("%nc. Reconciliation: changes WorkOS makes without an event:%n");
        List<String> changes;
        try {
            changes = SilentChanges.apply(fake, runId, new Random(base.seed() + 3));
        } catch (IllegalStateException e) {
            return finish("c. reconciliation", started, List.of(e.getMessage()));
        }
        changes.forEach(c -> out.println("  - " + c));
        FakeDirectoryWorld.Snapshot after = fake.world().snapshot();
        WorldExpectation workosHolds = WorldExpectation.of(after, base.policy(), ours);
        Map<String, DirectoryDrift> expected = DriftExpectation.between(mirrorHolds, workosHolds);
        out.println("  expected drift:");
        expected.values().forEach(d -> out.println("    " + d));

        List<String> mismatches = new ArrayList<>();
        Set<String> directories = new TreeSet<>(after.directories().keySet());
        directories.addAll(expected.keySet());
        try {
            String first = api.request(null);
            out.println("  requested reconciliation " + first + " ...");
            JsonNode status = api.awaitFinished(first, remaining(started));
            out.printf("  %s %s: %d directories, drift %d, repaired %d%n", first, status.path("status").asText(),
                    status.path("directories").asInt(), status.path("drift_total").asInt(), status.path("repaired").asInt());
            mismatches.addAll(finished(status, first));
            int total = status.path("drift_total").asInt(-1);
            int want = DriftExpectation.total(expected);
            if (total < want) {
                mismatches.add(first + ": drift_total " + total + ", expected at least " + want);
            } else if (total > want) {
                out.printf("  (%s counted %d more drift than this run made: directories outside this run)%n", first, total - want);
            }
            mismatches.addAll(directoryReports(api, first, directories, expected));

            out.println("  waiting for the repairs to reach the mirror ...");
            mismatches.addAll(awaitMirror(workosHolds, remaining(started)));

            String second = api.request(null);
            out.println("  requested reconciliation " + second + " (nothing left to find) ...");
            JsonNode again = api.awaitFinished(second, remaining(started));
            out.printf("  %s %s: drift %d%n", second, again.path("status").asText(), again.path("drift_total").asInt());
            mismatches.addAll(finished(again, second));
            if (again.path("drift_total").asInt(-1) != 0) {
                mismatches.add(second + ": drift_total " + again.path("drift_total") + ", expected 0 after the first one repaired");
            }
            mismatches.addAll(directoryReports(api, second, directories, Map.of()));
        } catch (ReconciliationApi.ApiException e) {
            mismatches.add(e.getMessage());
        }
        return finish("c. reconciliation", started, mismatches);
    }

    private static List<String> finished(JsonNode status, String id) {
        if ("completed".equals(status.path("status").asText())) {
            return List.of();
        }
        return List.of(id + " ended " + status.path("status").asText() + ": " + status.path("error").asText("no error given"));
    }

    /** Each directory's {@code last_reconciliation} must be {@code id}'s and report exactly the expected drift. */
    private List<String> directoryReports(ReconciliationApi api, String id, Set<String> directories,
                                          Map<String, DirectoryDrift> expected) throws InterruptedException {
        List<String> mismatches = new ArrayList<>();
        for (String directory : directories) {
            String[] last = {"nothing"};
            JsonNode record = api.awaitDirectoryRecord(directory, id, Duration.ofSeconds(30), last);
            if (record == null) {
                mismatches.add("directory " + directory + ": its last reconciliation is not " + id + " (" + last[0] + ")");
                continue;
            }
            mismatches.addAll(DriftExpectation.check(expected.getOrDefault(directory, DirectoryDrift.none(directory)), record));
        }
        return mismatches;
    }

    // ---- helpers ----

    private Duration remaining(long started) {
        long left = started + Duration.ofSeconds(base.timeoutSeconds()).toNanos() - System.nanoTime();
        return Duration.ofNanos(Math.max(Duration.ofSeconds(5).toNanos(), left));
    }

    private Phase finish(String name, long started, List<String> mismatches) {
        Phase phase = new Phase(name, (System.nanoTime() - started) / 1e9, List.copyOf(mismatches));
        if (phase.passed()) {
            out.printf("  passed in %.1f s%n", phase.seconds());
        } else {
            out.printf("  FAILED after %.1f s: %d mismatches%n", phase.seconds(), mismatches.size());
            mismatches.stream().limit(20).forEach(m -> out.println("    " + m));
            if (mismatches.size() > 20) {
                out.println("    … and " + (mismatches.size() - 20) + " more");
            }
        }
        return phase;
    }

    private void report(List<Phase> phases) {
        out.println();
        Set<String> ran = new LinkedHashSet<>();
        for (Phase p : phases) {
            ran.add(p.name());
            out.printf("  %-20s %s%n", p.name(), p.passed() ? String.format(Locale.ROOT, "passed (%.1f s)", p.seconds())
                    : "FAILED (" + p.mismatches().size() + " mismatches)");
        }
        for (String name : List.of("a. bootstrap", "b. catch-up", "c. reconciliation")) {
            if (!ran.contains(name)) {
                out.printf("  %-20s skipped%n", name);
            }
        }
    }

    private void printCalls(FakeWorkosApi fake) {
        Map<String, Long> byEndpoint = new java.util.TreeMap<>();
        for (FakeWorkosApi.Request r : fake.requests()) {
            String path = r.path();
            String endpoint = path.startsWith("/directory_users/") ? "/directory_users/{id}"
                    : path.startsWith("/directory_groups/") ? "/directory_groups/{id}"
                    : path.startsWith("/directories/") ? "/directories/{id}" : path;
            byEndpoint.merge(endpoint, 1L, Long::sum);
        }
        out.println("  calls to the fake WorkOS API so far: " + byEndpoint + ", rate-limited " + fake.rateLimited());
    }

    private static List<Change> changes(List<byte[]> events) {
        List<Change> changes = new ArrayList<>(events.size());
        for (byte[] body : events) {
            try {
                JsonNode event = EventParser.MAPPER.readTree(body);
                changes.add(new Change(event.path("event").asText(), event.path("data").toString(),
                        EventTimes.parse(event.path("created_at").asText()).orElseThrow()));
            } catch (IOException e) {
                throw new IllegalStateException("the simulator generated an unreadable event", e);
            }
        }
        return changes;
    }

    private static String day(Instant at) {
        return at.toString().substring(0, 10);
    }

    private static String prefix(String key) {
        return key.length() <= 8 ? key.substring(0, Math.min(3, key.length())) : key.substring(0, 8);
    }
}
