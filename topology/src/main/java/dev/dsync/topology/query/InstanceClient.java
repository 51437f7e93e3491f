package dev.dsync.topology.query;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls another instance's query API: keep-alive HTTP/1.1 (no upgrade round trip), a short connect timeout and a
 * whole-request timeout, so a dead or stuck instance costs at most {@code timeout} and never hangs a request.
 */
final class InstanceClient implements Peers {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceClient.class);
    static final String FORWARDED = "X-Dsync-Forwarded";
    static final String SCOPE = "X-Dsync-Scope";
    static final String PARTITIONS = "X-Dsync-Partitions";
    static final String STALE = "X-Dsync-Stale";

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

    @Override
    public Optional<Answer> forward(HostInfo host, String target) {
        Optional<Answer> answer = await(get(host, target, Map.of()));
        if (answer.isPresent() && answer.get().status() == 401) {
            LOG.warn("instance {} refused this instance's token: every instance needs the same DSYNC_QUERY_TOKEN",
                    host);
        }
        return answer;
    }

    @Override
    public Map<HostInfo, Answer> pieces(String target, Map<HostInfo, List<Integer>> plan) {
        Map<HostInfo, CompletableFuture<Answer>> pending = new LinkedHashMap<>();
        plan.forEach((host, partitions) -> pending.put(host, get(host, target, Map.of(SCOPE, "local",
                PARTITIONS, partitions.stream().map(String::valueOf).collect(Collectors.joining(","))))));
        Map<HostInfo, Answer> answers = new LinkedHashMap<>();
        pending.forEach((host, answer) -> await(answer).ifPresent(a -> answers.put(host, a)));
        return answers;
    }

    /** GETs {@code target} (raw path and query) from {@code host}; completes exceptionally on any failure. */
    private CompletableFuture<Answer> get(HostInfo host, String target, Map<String, String> headers) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + host.host() + ":" + host.port()
                            + target))
                    .timeout(timeout)
                    .header(FORWARDED, "true")
                    .GET();
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            headers.forEach(b::header);
            return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                    .thenApply(r -> new Answer(r.statusCode(), r.body(),
                            r.headers().firstValue(STALE).map("true"::equalsIgnoreCase).orElse(false)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Optional<Answer> await(CompletableFuture<Answer> f) {
        try {
            // the client's own timeout ends the call; this only bounds the wait should that ever not happen
            return Optional.of(f.get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            f.cancel(true);
            LOG.debug("call to another instance failed: {}", e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        http.shutdownNow();
        executor.shutdownNow();
    }
}
