package dev.dsync.gateway;

import dev.dsync.events.signature.SignatureVerifier;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;

/** Signs and sends webhooks over real HTTP, and reads what landed on Kafka. */
final class GatewayHarness {

    static final String SECRET = "whsec_gateway_test";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private GatewayHarness() {
    }

    static String event(String id, String type, String directoryId) {
        String data = type.equals("dsync.activated") || type.equals("dsync.deleted")
                ? "{\"object\":\"directory\",\"id\":\"" + directoryId + "\",\"name\":\"Zürich R&D\"}"
                : "{\"object\":\"directory_user\",\"id\":\"directory_user_" + id + "\",\"directory_id\":\"" + directoryId
                        + "\",\"email\":\"someone@example.com\"}";
        return "{\"object\":\"event\",\"id\":\"" + id + "\",\"event\":\"" + type + "\",\"data\":" + data
                + ",\"created_at\":\"2026-06-09T08:15:09.802Z\"}";
    }

    static String uniqueId() {
        return "event_" + UUID.randomUUID().toString().replace("-", "");
    }

    static HttpResponse<String> post(int port, byte[] body, String signatureHeader) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/webhooks/workos"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (signatureHeader != null) {
            request.header("WorkOS-Signature", signatureHeader);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> postSigned(int port, String body) throws IOException, InterruptedException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(port, bytes, SignatureVerifier.header(SECRET, System.currentTimeMillis(), bytes));
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

}
