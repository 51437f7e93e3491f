package dev.dsync.topology.query;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Calls another instance's query API: keep-alive HTTP/1.1 (no upgrade round trip), a short connect timeout and a
 * whole-request timeout, so a dead or stuck instance costs at most {@code timeout} and never hangs a request.
 */
final class InstanceClient implements AutoCloseable {

    static final String FORWARDED = "X-Dsync-Forwarded";
    static final String SCOPE = "X-Dsync-Scope";
    static final String PARTITIONS = "X-Dsync-Partitions";
    static final String STALE = "X-Dsync-Stale";

    /** What the other instance answered. */
    record Reply(int status, String body, boolean stale) {
    }

    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;
    private final Duration timeout;
    private final String authorization;

    InstanceClient(Duration timeout, String token) {
        this.timeout = timeout;
        this.authorization = token == null ? null : "Bearer " + token;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.dividedBy(3).isZero() ? timeout : timeout.dividedBy(3))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
    }

    /** GETs {@code target} (raw path and query) from {@code host}; completes exceptionally on any failure. */
    CompletableFuture<Reply> get(HostInfo host, String target, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port() + target))
                .timeout(timeout)
                .header(FORWARDED, "true")
                .GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        headers.forEach(b::header);
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Reply(r.statusCode(), r.body(),
                        r.headers().firstValue(STALE).map("true"::equalsIgnoreCase).orElse(false)));
    }

    Duration timeout() {
        return timeout;
    }

    @Override
    public void close() {
        http.shutdownNow();
        executor.shutdownNow();
    }
}
