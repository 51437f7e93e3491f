package dev.dsync.launcher.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.launcher.LocalStackAccess;
import dev.dsync.launcher.simulate.SimulatedDirectories.InactivePolicy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dsync simulate --api} against the whole stack as {@code ./dsync up} runs it, with the WorkOS API source
 * pointed at the port the simulator then serves its fake on (so the stack starts while the API is down).
 */
@Tag("integration")
class ApiSimulatorEndToEndTest {

    private static final String KEY = "sk_test_simulate_api";

    @TempDir
    Path dataDir;

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static ApiSimulator.Options options(LocalStackAccess stack, int apiPort, long seed) {
        return new ApiSimulator.Options(new Simulator.Options(200, seed, 8, 120,
                URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos"), stack.webhookSecret(),
                URI.create("http://127.0.0.1:" + stack.queryPort() + "/"), stack.queryToken(), stack.jdbcUrl(), "dsync",
                "dsync", InactivePolicy.RETAIN), KEY, apiPort, 0.3);
    }

    private LocalStackAccess stack(int apiPort, PrintStream out) throws Exception {
        return LocalStackAccess.startIsolated(dataDir, Map.of("WORKOS_API_KEY", KEY,
                "WORKOS_API_URL", "http://127.0.0.1:" + apiPort, "DSYNC_EVENTS_POLL_INTERVAL", "PT0.5S",
                "DSYNC_COMMIT_INTERVAL", "PT0.2S"), out);
    }

    /** The real thing: bootstrap from the list endpoints, catch-up, reconciliation. */
    @Test
    void bootstrapCatchUpAndReconciliation() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        int apiPort = freePort();
        try (LocalStackAccess stack = stack(apiPort, out)) {
            ApiSimulator.Result result = ApiSimulator.run(options(stack, apiPort, 20261130L), out);
            String text = log.toString(StandardCharsets.UTF_8);
            System.out.print(text); // the simulator's own report, kept by surefire
            assertThat(result.phases()).as(text).hasSize(3);
            assertThat(result.passed()).as(text).isTrue();
            assertThat(eventsFetched(stack)).as("events fetched from the Events API").isPositive();
            assertThat(text).contains("dropped");
        }
    }

    private static double eventsFetched(LocalStackAccess stack) throws Exception {
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + stack.queryPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("dsync_workos_events_fetched_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
