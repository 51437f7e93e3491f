package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.connect.SinkSupervisor;
import dev.dsync.launcher.simulate.SimulatedDirectories.InactivePolicy;
import dev.dsync.launcher.simulate.Simulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./dsync up}, stopped cleanly and started again on the same data: the secrets stay the same, the state is
 * still there, and the query API answers again within seconds (the topology left its group on the way out).
 */
@Tag("integration")
class RestartTest {

    @TempDir
    Path dataDir;

    @Test
    void aRestartedStackKeepsItsDataAndSecretsAndServesQueriesQuickly() throws Exception {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        String secret;
        String token;
        long users;
        try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir, Map.of(), out)) {
            secret = stack.webhookSecret();
            token = stack.queryToken();
            Simulator.Summary summary = Simulator.run(new Simulator.Options(60, 7L, 4, 120,
                    URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos"), secret,
                    URI.create("http://127.0.0.1:" + stack.queryPort() + "/"), token, stack.jdbcUrl(), "dsync",
                    "dsync", InactivePolicy.RETAIN), out);
            assertThat(summary.mismatches()).isEmpty();
            users = userRows(stack);
            assertThat(users).isPositive();
        }
        assertThat(Files.readString(dataDir.resolve("webhook-secret")).trim()).isEqualTo(secret);

        try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir, Map.of(), out)) {
            assertThat(stack.webhookSecret()).isEqualTo(secret);
            assertThat(stack.queryToken()).isEqualTo(token);
            HttpClient http = HttpClient.newHttpClient();
            long started = System.nanoTime();
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).until(() -> {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + stack.queryPort() + "/v1/directories?limit=100"))
                        .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                return response.statusCode() == 200 && response.body().contains("\"id\":\"directory_sim");
            });
            System.out.printf("RestartTest: queries answered %.1f s after the restart%n",
                    (System.nanoTime() - started) / 1e9);
            // the sink supervisor runs in `up` and sees every sink connector running
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                    assertThat(stack.sinkHealth()).hasSize(4).allSatisfy(h -> {
                        assertThat(h.condition()).isEqualTo(SinkSupervisor.Condition.RUNNING);
                        assertThat(h.troubleSince()).isEmpty();
                    }));
            // every row is still there, none added twice by a sink that started over
            assertThat(userRows(stack)).isEqualTo(users);
        }
    }

    private static long userRows(LocalStackAccess stack) throws Exception {
        try (var db = java.sql.DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync");
             var rs = db.createStatement().executeQuery("select count(*) from directory_users")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
