package dev.dsync.launcher;

import dev.dsync.events.config.DsyncEnv;
import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import java.io.IOException;
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

/**
 * {@code ./dsync reconcile [--directory ID] [--timeout SECONDS]}: asks the running stack for a reconciliation with
 * WorkOS ({@code POST /v1/reconciliations}), waits for it and prints the drift it found. Exit status 0 when it
 * completed, 1 when it failed or did not finish in time (2 on a usage error, from the command line).
 */
final class ReconcileCommand {

    /** {@code --timeout}'s default: an hour. */
    static final int DEFAULT_TIMEOUT_SECONDS = 3600;

    private ReconcileCommand() {
    }

    /** Reconciles {@code directory}, or every directory when it is null, and waits up to {@code timeoutSeconds}. */
    static int run(String directory, int timeoutSeconds, Map<String, String> env, Path dataDir, PrintStream out)
            throws Exception {
        URI base = URI.create("http://127.0.0.1:" + DsyncEnv.QUERY_PORT.get(env));
        String token = LocalSecrets.find(DsyncEnv.QUERY_TOKEN.get(env), dataDir.resolve("query-token"));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String body = directory == null ? "" : "{\"directory_id\":" + EventParser.MAPPER.writeValueAsString(directory) + "}";
        HttpResponse<String> posted = http.send(request(base.resolve("/v1/reconciliations"), token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (posted.statusCode() != 202) {
            System.err.println("dsync reconcile: the query API answered " + posted.statusCode() + ": " + posted.body());
            return 1;
        }
        String id = EventParser.MAPPER.readTree(posted.body()).path("id").asText();
        out.println("Reconciliation " + id + " requested for " + (directory == null ? "every directory" : directory)
                + "; waiting ...");
        long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
        String lastStatus = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = http.send(request(base.resolve("/v1/reconciliations/" + id), token).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                JsonNode status = EventParser.MAPPER.readTree(r.body());
                String s = status.path("status").asText();
                if (!s.equals(lastStatus)) {
                    out.println("  " + s);
                    lastStatus = s;
                }
                if (s.equals("completed") || s.equals("failed")) {
                    out.printf("%s: %d directories, drift %d, %d repair events%s%n", s, status.path("directories").asLong(),
                            status.path("drift_total").asLong(), status.path("repaired").asLong(),
                            status.path("error").isTextual() ? " (" + status.path("error").asText() + ")" : "");
                    if (directory != null && s.equals("completed")) {
                        printDrift(http, base, token, directory, out);
                    }
                    return s.equals("completed") ? 0 : 1;
                }
            }
            Thread.sleep(1000);
        }
        System.err.println("dsync reconcile: " + id + " did not finish within " + timeoutSeconds + " s (status "
                + lastStatus + "); it goes on in the stack");
        return 1;
    }

    private static void printDrift(HttpClient http, URI base, String token, String directory, PrintStream out)
            throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(request(base.resolve("/v1/directories/" + directory + "/sync"), token)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
            JsonNode drift = EventParser.MAPPER.readTree(r.body()).path("last_reconciliation").path("drift");
            drift.fields().forEachRemaining(kind -> out.printf("  %-12s missing %d, extra %d, different %d%n",
                    kind.getKey(), kind.getValue().path("missing").asLong(), kind.getValue().path("extra").asLong(),
                    kind.getValue().path("different").asLong()));
        }
    }

    private static HttpRequest.Builder request(URI uri, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30));
        return token == null || token.isBlank() ? b : b.header("Authorization", "Bearer " + token);
    }
}
