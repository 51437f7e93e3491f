package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.signature.SignatureVerifier;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logs never contain secrets, bodies or e-mail addresses (README, Operations). The whole stack runs in this JVM, as
 * {@code ./dsync up} runs it, with its shipped logging configuration, while it takes webhooks (signed, forged,
 * malformed, incomplete, poison, not Directory Sync), follows WorkOS's Events API with an API key, and answers
 * queries with the token, with a wrong one and for an e-mail address; everything logged meanwhile is captured where
 * the one backend writes it. slf4j-simple prints to the {@code System.err} of the moment, and java.util.logging,
 * System.Logger and log4j-api all end in it, so replacing {@code System.err} (and {@code System.out}) sees every line;
 * the test checks that it did see the gateway's start line and a rejection, in the one line format.
 */
@Tag("integration")
class LogHygieneTest {

    static final String API_KEY = "sk_test_hygiene_c0ffee5e1f";
    static final String WEBHOOK_SECRET = "whsec_hygiene_5eb1c7a9";
    static final String QUERY_TOKEN = "dsq_hygiene_0d9a4b2e";
    static final String WRONG_TOKEN = "dsq_wrong_77e1f2c3";
    /** In a field of every body sent: a log line that contains it quotes a body. */
    static final String MARKER = "bodymarker7f3a";
    static final String DIR = "directory_hygiene_1";
    static final String EVENTS_API_DIR = "directory_hygiene_api";
    static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
    /** java.util.logging's own two-line format (its ConsoleHandler): the second line starts with the level. */
    static final Pattern JUL_FORMAT = Pattern.compile("(?m)^(SEVERE|WARNING|INFO|CONFIG|FINE|FINER|FINEST): ");

    @TempDir
    Path dataDir;

    @Test
    void theLogHasNoSecretsBodiesOrEmailAddresses() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        PrintStream out = System.out;
        System.setErr(new PrintStream(new Tee(err, captured), true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new Tee(out, captured), true, StandardCharsets.UTF_8));
        List<String> signatures = new ArrayList<>();
        try {
            Dsync.routeJdkLoggingToSlf4j(); // what ./dsync does first
            runTheStack(signatures);
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        String log;
        synchronized (captured) {
            log = captured.toString(StandardCharsets.UTF_8);
        }

        // the capture saw the log, and in the one format: a System.Logger line at INFO and one at WARN
        assertThat(log).containsPattern(Pattern.compile(
                "(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[.+\\] INFO Gateway - dsync gateway listening on "));
        // (Helidon's thread names have brackets of their own: "[0x35b23066 0x02b9a5e9] WebServer socket")
        assertThat(log).containsPattern(Pattern.compile("(?m)^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[.+\\] WARN "
                + "WebhookService - Rejected webhook: status=401 reason=signature_mismatch"));
        assertThat(all(JUL_FORMAT, log)).as("lines in java.util.logging's own format").isEmpty();
        // printed once per JVM, when Helidon, SLF4J or log4j-api start: seen when this test runs alone
        assertThat(log).doesNotContain("There is no Helidon logging implementation", "SLF4J(W)", "SLF4J: ",
                "StatusLogger");

        assertThat(log).doesNotContain(WEBHOOK_SECRET, QUERY_TOKEN, WRONG_TOKEN, API_KEY, MARKER);
        for (String signature : signatures) {
            assertThat(log).doesNotContain(signature);
        }
        assertThat(all(EMAIL, log)).as("e-mail addresses in the log").isEmpty();
    }

    /** Every match of {@code pattern} in {@code text}, with the rest of its line. */
    private static List<String> all(Pattern pattern, String text) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            int end = text.indexOf('\n', m.end());
            found.add(text.substring(m.start(), end < 0 ? text.length() : end));
        }
        return found;
    }

    private void runTheStack(List<String> signatures) throws Exception {
        try (FakeWorkosApi workos = FakeWorkosApi.start(API_KEY)) {
            Instant t = Instant.ofEpochMilli(System.currentTimeMillis() - 30_000);
            workos.publish("dsync.activated", directory(EVENTS_API_DIR, t.toString()).toString(), t);
            String apiUser = "directory_user_api_1";
            workos.publish("dsync.user.created", user(EVENTS_API_DIR, apiUser, t.plusMillis(1).toString()).toString(),
                    t.plusMillis(1));
            workos.failNext(2, 503); // the client's retry path logs too
            try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir, Map.of(
                    "WORKOS_API_KEY", API_KEY,
                    "WORKOS_API_URL", workos.url().toString(),
                    "WORKOS_WEBHOOK_SECRET", WEBHOOK_SECRET,
                    "DSYNC_QUERY_TOKEN", QUERY_TOKEN,
                    "DSYNC_EVENTS_POLL_INTERVAL", "PT0.2S",
                    "DSYNC_EVENTS_START_AT", t.minusSeconds(60).toString(),
                    "DSYNC_COMMIT_INTERVAL", "PT0.2S"), new PrintStream(OutputStream.nullOutputStream()))) {
                assertThat(stack.webhookSecret()).isEqualTo(WEBHOOK_SECRET);
                assertThat(stack.queryToken()).isEqualTo(QUERY_TOKEN);
                HostileTraffic traffic = new HostileTraffic(stack);
                String now = HostileTraffic.now();

                // what the webhooks below announce exists in WorkOS too (the bootstrap, which runs meanwhile, would
                // otherwise rightly remove a directory WorkOS does not know)
                workos.applySilently("dsync.activated", directory(DIR, now).toString());
                workos.applySilently("dsync.user.created", user(DIR, "directory_user_h_1", now).toString());
                workos.applySilently("dsync.user.created", user(DIR, "directory_user_h_2", now).toString());
                // accepted: a directory and two users; one of them again (a duplicate)
                assertThat(post(stack, WEBHOOK_SECRET, HostileTraffic.bytes(HostileTraffic.envelope("event_h_1",
                        "dsync.activated", directory(DIR, now), now)), signatures)).isEqualTo(200);
                byte[] user1 = HostileTraffic.bytes(HostileTraffic.envelope("event_h_2", "dsync.user.created",
                        user(DIR, "directory_user_h_1", now), now));
                assertThat(post(stack, WEBHOOK_SECRET, user1, signatures)).isEqualTo(200);
                assertThat(post(stack, WEBHOOK_SECRET, user1, signatures)).isEqualTo(200);
                assertThat(post(stack, WEBHOOK_SECRET, HostileTraffic.bytes(HostileTraffic.envelope("event_h_3",
                        "dsync.user.created", user(DIR, "directory_user_h_2", now), now)), signatures)).isEqualTo(200);
                // not Directory Sync: stored on the other topic
                ObjectNode connection = HostileTraffic.envelope("event_h_4", "connection.activated",
                        user(DIR, "directory_user_h_3", now), now);
                assertThat(post(stack, WEBHOOK_SECRET, HostileTraffic.bytes(connection), signatures)).isEqualTo(200);
                // accepted by the gateway, dead-lettered by the topology (no created_at)
                assertThat(post(stack, WEBHOOK_SECRET, HostileTraffic.bytes(HostileTraffic.envelope("event_h_5",
                        "dsync.user.updated", user(DIR, "directory_user_h_4", now), null)), signatures)).isEqualTo(200);
                // refused: forged, malformed, incomplete
                assertThat(post(stack, "whsec_forged", user1, signatures)).isEqualTo(401);
                assertThat(post(stack, WEBHOOK_SECRET, ("{\"id\":\"event_h_6\",\"event\":\"dsync.user.created\","
                        + "\"data\":{\"email\":\"broken." + MARKER + "@hygiene.example\",").getBytes(
                        StandardCharsets.UTF_8), signatures)).isEqualTo(400);
                assertThat(post(stack, WEBHOOK_SECRET, ("{\"id\":\"event_h_7\",\"event\":\"dsync.user.created\","
                        + "\"email\":\"nodata." + MARKER + "@hygiene.example\"}").getBytes(StandardCharsets.UTF_8),
                        signatures)).isEqualTo(400);
                assertThat(post(stack, WEBHOOK_SECRET, ("[\"" + MARKER + "@hygiene.example\"]").getBytes(
                        StandardCharsets.UTF_8), signatures)).isEqualTo(400);

                // queries: with the token (also for an e-mail address as the id), with a wrong one, with none
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    for (String[] u : List.of(new String[] {DIR, "directory_user_h_1"},
                            new String[] {DIR, "directory_user_h_2"}, new String[] {EVENTS_API_DIR, apiUser})) {
                        JsonNode found = traffic.queryUser(u[0], u[1]);
                        assertThat(found).as(u[1]).isNotNull();
                    }
                    assertThat(HostileTraffic.deadLetters(traffic.topologyMetrics(), "missing_created_at"))
                            .isEqualTo(1);
                });
                traffic.query("directories", DIR, "users", "lookup." + MARKER + "@hygiene.example");
                assertThat(get(stack, "/v1/directories/" + DIR + "/users", WRONG_TOKEN)).isEqualTo(401);
                assertThat(get(stack, "/v1/directories/" + DIR + "/users", null)).isEqualTo(401);
            }
        }
    }

    /** Signs {@code body} with {@code secret}, posts it, and remembers the signature; the status. */
    private static int post(LocalStackAccess stack, String secret, byte[] body, List<String> signatures)
            throws Exception {
        String header = SignatureVerifier.header(secret, System.currentTimeMillis(), body);
        signatures.add(header.substring(header.indexOf("v1=") + 3));
        HttpResponse<String> r = new HostileTraffic(stack).http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("WorkOS-Signature", header)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    private static int get(LocalStackAccess stack, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stack.queryPort() + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return new HostileTraffic(stack).http.send(b.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static ObjectNode directory(String directoryId, String at) {
        return HostileTraffic.directory(directoryId, at).put("name", "Directory " + MARKER);
    }

    /** A user whose e-mail address, names and attributes would show in a log line that quoted the body. */
    private static ObjectNode user(String directoryId, String userId, String at) {
        ObjectNode u = HostileTraffic.user(directoryId, userId, at)
                .put("email", userId + "." + MARKER + "@hygiene.example")
                .put("first_name", "Zoë " + MARKER);
        ((ObjectNode) u.get("custom_attributes")).put("manager_email", "boss." + MARKER + "@hygiene.example");
        return u;
    }

    /** Writes to the stream the test runs with and to the capture. */
    private static final class Tee extends OutputStream {
        private final OutputStream console;
        private final ByteArrayOutputStream capture;

        Tee(OutputStream console, ByteArrayOutputStream capture) {
            this.console = console;
            this.capture = capture;
        }

        @Override
        public void write(int b) {
            synchronized (capture) {
                capture.write(b);
            }
            try {
                console.write(b);
            } catch (java.io.IOException ignored) {
                // the capture is what counts
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (capture) {
                capture.write(b, off, len);
            }
            try {
                console.write(b, off, len);
            } catch (java.io.IOException ignored) {
                // the capture is what counts
            }
        }

        @Override
        public void flush() {
            try {
                console.flush();
            } catch (java.io.IOException ignored) {
                // the capture is what counts
            }
        }
    }
}
