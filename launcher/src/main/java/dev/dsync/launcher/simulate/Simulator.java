package dev.dsync.launcher.simulate;

import dev.dsync.launcher.LocalSecrets;

import dev.dsync.events.config.DsyncEnv;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./dsync simulate}: generates directories, sends their history to a running stack like WorkOS would,
 * waits for the mirror to converge and checks the query API and PostgreSQL against the expected state.
 */
public final class Simulator {

    /** What to drive and where to look; defaults match {@code ./dsync up}. */
    public record Options(int users, long seed, int concurrency, int timeoutSeconds, URI webhookEndpoint,
                          String webhookSecret, URI queryBase, String queryToken, String jdbcUrl, String jdbcUser,
                          String jdbcPassword, SimulatedDirectories.InactivePolicy policy) {

        /** {@code ./dsync simulate --users}'s default. */
        public static final int DEFAULT_USERS = 2000;
        public static final int DEFAULT_CONCURRENCY = 8;
        public static final int DEFAULT_TIMEOUT_SECONDS = 300;

        /** A seed when none is given: different from run to run. */
        public static long clockSeed() {
            return System.currentTimeMillis() % 1_000_000;
        }

        /**
         * The given settings, and where the stack runs from the environment ({@code DSYNC_GATEWAY_PORT},
         * {@code DSYNC_QUERY_PORT}, {@code DSYNC_JDBC_*}, {@code DSYNC_INACTIVE_USERS}) and the secrets from the
         * environment or the files {@code ./dsync up} wrote into {@code dataDir}.
         */
        public static Options from(int users, long seed, int concurrency, int timeoutSeconds, Map<String, String> env,
                                   Path dataDir) throws IOException {
            int gatewayPort = DsyncEnv.GATEWAY_PORT.get(env);
            int queryPort = DsyncEnv.QUERY_PORT.get(env);
            String secret = LocalSecrets.find(DsyncEnv.WEBHOOK_SECRET.text(env).orElse(null),
                    dataDir.resolve("webhook-secret"));
            String token = LocalSecrets.find(DsyncEnv.QUERY_TOKEN.get(env), dataDir.resolve("query-token"));
            if (secret == null) {
                throw new IllegalArgumentException("no webhook secret: set WORKOS_WEBHOOK_SECRET or start ./dsync up first");
            }
            return new Options(users, seed, concurrency, timeoutSeconds,
                    URI.create("http://127.0.0.1:" + gatewayPort + "/webhooks/workos"), secret.split(",")[0].trim(),
                    URI.create("http://127.0.0.1:" + queryPort + "/"), token,
                    DsyncEnv.JDBC_URL.get(env), DsyncEnv.JDBC_USER.get(env), DsyncEnv.JDBC_PASSWORD.get(env),
                    DsyncEnv.INACTIVE_USERS.get(env).equals("delete")
                            ? SimulatedDirectories.InactivePolicy.DELETE : SimulatedDirectories.InactivePolicy.RETAIN);
        }
    }

    /** What a run did; {@code mismatches} is empty when the mirror matched exactly. */
    public record Summary(WebhookDelivery.Stats delivery, double convergeSeconds, List<String> mismatches) {
    }

    public static Summary run(Options options, PrintStream out) throws Exception {
        String runId = Long.toString(options.seed(), 36) + Long.toString(System.nanoTime() % 1_000_000, 36);
        SimulatedDirectories model = new SimulatedDirectories(options.seed(), runId, options.policy())
                .generate(options.users());
        out.printf("Simulating %d users in %d directories (one deleted at the end): %d events, seed %d, inactive users: %s%n",
                options.users(), model.allDirectoryIds().size(), model.events().size(), options.seed(),
                options.policy().name().toLowerCase(Locale.ROOT));
        WebhookDelivery.Stats stats = new WebhookDelivery(options.webhookEndpoint(), options.webhookSecret(),
                options.concurrency()).deliver(model.events(), WebhookDelivery.Faults.realistic(), options.seed(), out);

        out.println("Waiting for the query API and PostgreSQL to converge ...");
        MirrorCheck check = new MirrorCheck(model);
        long started = System.nanoTime();
        List<String> mismatches = new ArrayList<>(check.await(options.queryBase(), options.queryToken(),
                options.jdbcUrl(), options.jdbcUser(), options.jdbcPassword(),
                java.time.Duration.ofSeconds(options.timeoutSeconds()), null));
        double converge = (System.nanoTime() - started) / 1e9;
        out.println();
        out.printf("  events generated     %d%n", model.events().size());
        out.printf("  webhooks sent        %d (duplicates %d, late %d, non-Directory-Sync %d) in %.1f s%n",
                stats.planned(), stats.duplicates(), stats.late(), stats.otherEvents(), stats.seconds());
        out.printf("  retries after 503    %d, undeliverable %d%n", stats.retries(), stats.failed());
        out.printf("  expected state       %d directories, %d users, %d groups, %d memberships%n",
                model.expectedDirectories().size(), model.expectedUsers().size(), model.expectedGroups().size(),
                model.expectedMemberships().size());
        out.printf("  time to converge     %.1f s after the last webhook%n", converge);
        out.printf("  mismatches           %d%n", mismatches.size());
        mismatches.stream().limit(20).forEach(m -> out.println("    " + m));
        if (stats.failed() > 0) {
            mismatches.add(stats.failed() + " webhooks could not be delivered");
        }
        return new Summary(stats, converge, mismatches);
    }
}
