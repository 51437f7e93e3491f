package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.launcher.simulate.SimulatedDirectories.InactivePolicy;
import dev.dsync.launcher.simulate.Simulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack as {@code ./dsync up} runs it (in-process broker, embedded PostgreSQL, Connect, topology, query
 * API, gateway), driven by the simulator over HTTP with WorkOS's delivery faults; the query API and the database
 * must both match the simulator's expected state exactly.
 */
@Tag("integration")
class SimulatorEndToEndTest {

    @TempDir
    Path dataDir;

    @ParameterizedTest
    @EnumSource(InactivePolicy.class)
    void mirrorConvergesToTheExpectedStateUnderDeliveryFaults(InactivePolicy policy) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir,
                Map.of("DSYNC_INACTIVE_USERS", policy.name().toLowerCase(), "DSYNC_COMMIT_INTERVAL", "PT0.2S"), out)) {
            Simulator.Options options = new Simulator.Options(200, 20261126L + policy.ordinal(), 8, 180,
                    URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos"), stack.webhookSecret(),
                    URI.create("http://127.0.0.1:" + stack.queryPort() + "/"), stack.queryToken(), stack.jdbcUrl(),
                    "dsync", "dsync", policy);
            Simulator.Summary summary = Simulator.run(options, out);
            assertThat(summary.mismatches()).as(log.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(summary.delivery().failed()).isZero();
            assertThat(summary.delivery().duplicates()).isPositive();
            assertThat(summary.delivery().late()).isPositive();
            assertThat(summary.delivery().otherEvents()).isPositive();
            assertThat(summary.delivery().accepted()).isEqualTo(summary.delivery().planned());
        }
    }
}
