package dev.dsync.launcher.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * The query API's reconciliation endpoints: {@code POST /v1/reconciliations}, {@code GET /v1/reconciliations/{id}}
 * and {@code GET /v1/directories/{id}/sync}.
 */
final class ReconciliationApi {

    /** A call did not give what the contract promises; the message says what came back. */
    static final class ApiException extends Exception {
        ApiException(String message) {
            super(message);
        }
    }

    static final Set<String> FINISHED = Set.of("completed", "failed");

    private final URI base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ReconciliationApi(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    /** Requests a reconciliation of every directory (or only {@code directoryId}); answers its id. */
    String request(String directoryId) throws ApiException, InterruptedException {
        String body = directoryId == null ? "" : EventParser.MAPPER.createObjectNode().put("directory_id", directoryId).toString();
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("/v1/reconciliations"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        JsonNode json = parse(response);
        if (response.statusCode() == 409) {
            throw new ApiException("dsync refused the reconciliation (409 " + json.path("error").path("code").asText()
                    + "): start it with WORKOS_API_KEY and WORKOS_API_URL set");
        }
        if (response.statusCode() != 202 || !json.path("id").isTextual()) {
            throw new ApiException("POST /v1/reconciliations answered " + response.statusCode() + " " + abbreviated(response.body())
                    + (response.statusCode() == 404 ? " (does this dsync have the reconciliation API?)" : ""));
        }
        return json.path("id").asText();
    }

    /**
     * Waits until the reconciliation has finished (completed or failed) and answers its status; 404 means it was not
     * seen yet.
     */
    JsonNode awaitFinished(String id, Duration timeout) throws ApiException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nothing yet";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response;
            try {
                response = send(HttpRequest.newBuilder(base.resolve("/v1/reconciliations/" + encode(id))).GET());
            } catch (ApiException e) {
                last = e.getMessage();
                Thread.sleep(1000);
                continue;
            }
            if (response.statusCode() == 200) {
                JsonNode status = parse(response);
                if (FINISHED.contains(status.path("status").asText())) {
                    return status;
                }
                last = "status " + status.path("status").asText();
            } else {
                last = response.statusCode() + " " + abbreviated(response.body());
            }
            Thread.sleep(500);
        }
        throw new ApiException("reconciliation " + id + " did not finish within " + timeout.toSeconds() + " s (last seen: "
                + last + ")");
    }

    /** {@code GET /v1/directories/{id}/sync}. */
    JsonNode sync(String directoryId) throws ApiException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(
                base.resolve("/v1/directories/" + encode(directoryId) + "/sync")).GET());
        if (response.statusCode() != 200) {
            throw new ApiException("GET /v1/directories/" + directoryId + "/sync answered " + response.statusCode() + " "
                    + abbreviated(response.body()));
        }
        return parse(response);
    }

    /**
     * Waits until the directory's {@code last_reconciliation} is the one with {@code reconciliationId} and answers it;
     * null when it has not turned up within {@code timeout} (the last answer is then in {@code lastSeen[0]}).
     */
    JsonNode awaitDirectoryRecord(String directoryId, String reconciliationId, Duration timeout, String[] lastSeen)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            try {
                JsonNode record = sync(directoryId).path("last_reconciliation");
                if (reconciliationId.equals(record.path("reconciliation_id").asText(null))) {
                    return record;
                }
                lastSeen[0] = record.isMissingNode() || record.isNull() ? "no last_reconciliation"
                        : "last_reconciliation " + record.path("reconciliation_id").asText();
            } catch (ApiException e) {
                lastSeen[0] = e.getMessage();
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        return null;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws ApiException, InterruptedException {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ApiException("the query API at " + base + " did not answer: " + e);
        }
    }

    private static JsonNode parse(HttpResponse<String> response) throws ApiException {
        try {
            JsonNode json = EventParser.MAPPER.readTree(response.body());
            return json == null ? EventParser.MAPPER.createObjectNode() : json;
        } catch (IOException e) {
            if (response.statusCode() >= 300) {
                return EventParser.MAPPER.createObjectNode();
            }
            throw new ApiException("the query API answered " + response.statusCode() + " with a body that is not JSON: "
                    + abbreviated(response.body()));
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String abbreviated(String body) {
        return body == null ? "" : body.length() <= 300 ? body : body.substring(0, 300) + "…";
    }
}
