package dev.dsync.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resets sink connectors' positions in their topics through Kafka Connect's offsets REST API (KIP-875, Kafka 3.6+), so
 * that they read their topics from the beginning: for each connector {@code PUT /connectors/{name}/stop},
 * {@code DELETE /connectors/{name}/offsets}, then {@code PUT /connectors/{name}/resume}.
 *
 * <p>Used when the mirror's database is new (the migration created the schema just now): the compacted change-logs
 * hold the full current state, so reading them again rebuilds the mirror, whatever an earlier database had reached.
 * Works against any Connect worker, the in-process one of {@code ./dsync up} or a stock one, and wherever the
 * connector keeps its offsets (Connect deletes the sink's consumer group itself).
 *
 * <p>Connect refuses the reset while the sink's consumer group still has a member. Right after a worker that ran the
 * connector died without leaving the group, that member lingers until its session times out
 * ({@code consumer.session.timeout.ms}); the reset waits for that, up to the given timeout.
 */
public final class SinkOffsets {

    private static final Logger LOG = LoggerFactory.getLogger(SinkOffsets.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final long RETRY_MS = 500;

    private final URI connectUrl;
    private final HttpClient http;

    /** @param connectUrl Connect's REST API, e.g. {@code http://127.0.0.1:8083} */
    public SinkOffsets(URI connectUrl) {
        this.connectUrl = URI.create(connectUrl.toString().endsWith("/") ? connectUrl.toString() : connectUrl + "/");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /**
     * Resets each connector's offsets (stop, delete offsets, resume) and returns once all of them have been resumed.
     * A connector that is already stopped (for example registered with {@code initial_state=STOPPED}) is not started
     * before its offsets are gone. Throws when Connect refuses, or when a consumer group still has members after
     * {@code timeout}.
     */
    public void reset(Collection<String> connectors, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (String name : connectors) {
            stop(name, deadline);
            deleteOffsets(name, deadline);
            resume(name);
        }
    }

    /** {@code PUT /connectors/{name}/stop}, then waits until Connect reports the connector STOPPED. */
    public void stop(String name, long deadline) {
        expect(send(name, "stop", "PUT"), 202, 204, "stop connector " + name);
        while (!"STOPPED".equals(connectorState(name))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("connector " + name + " not STOPPED in time: " + connectorState(name));
            }
            sleep(100);
        }
    }

    /**
     * {@code DELETE /connectors/{name}/offsets} on a stopped connector, retried while Connect answers that the sink's
     * consumer group still has members (its tasks have not left yet, or a dead worker's member has not timed out).
     */
    public void deleteOffsets(String name, long deadline) {
        while (true) {
            HttpResponse<String> response = send(name, "offsets", "DELETE");
            if (response.statusCode() == 200) {
                LOG.info("Reset the offsets of sink {}: it reads its topics from the beginning", name);
                return;
            }
            // Connect's answer while the group has members (GroupNotEmptyException): "... this operation can be
            // safely retried ..."
            boolean groupBusy = response.body() != null && response.body().contains("safely retried");
            if (!groupBusy || System.nanoTime() > deadline) {
                throw new IllegalStateException("cannot reset the offsets of connector " + name + ": HTTP "
                        + response.statusCode() + " " + message(response)
                        + (groupBusy ? " (is another Connect worker running this connector?)" : ""));
            }
            sleep(RETRY_MS);
        }
    }

    /** {@code PUT /connectors/{name}/resume}. */
    public void resume(String name) {
        expect(send(name, "resume", "PUT"), 202, 204, "resume connector " + name);
    }

    /** The connector's state from {@code GET /connectors/{name}/status}, or the HTTP status when there is none. */
    public String connectorState(String name) {
        HttpResponse<String> response = send(name, "status", "GET");
        if (response.statusCode() != 200) {
            return "HTTP " + response.statusCode();
        }
        try {
            return MAPPER.readTree(response.body()).path("connector").path("state").asText("UNKNOWN");
        } catch (IOException e) {
            return "UNREADABLE";
        }
    }

    private HttpResponse<String> send(String name, String path, String method) {
        URI uri = connectUrl.resolve("connectors/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20")
                + "/" + path);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("Connect's REST API at " + connectUrl + " did not answer " + method + " "
                    + uri.getPath() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void expect(HttpResponse<String> response, int ok, int alsoOk, String what) {
        if (response.statusCode() != ok && response.statusCode() != alsoOk && response.statusCode() != 200) {
            throw new IllegalStateException("cannot " + what + ": HTTP " + response.statusCode() + " "
                    + message(response));
        }
    }

    /** Connect's error message ({@code {"error_code":…,"message":…}}), or the body. */
    private static String message(HttpResponse<String> response) {
        try {
            JsonNode body = MAPPER.readTree(response.body());
            if (body.hasNonNull("message")) {
                return body.get("message").asText();
            }
        } catch (IOException | RuntimeException e) {
            // not JSON: the body as it is
        }
        return response.body();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
