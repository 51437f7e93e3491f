package dev.dsync.workos.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.workos.WorkosApiException;
import dev.dsync.workos.WorkosClient;
import dev.dsync.workos.WorkosUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Directory Sync list endpoints ({@code /directories}, {@code /directory_groups}, {@code /directory_users}),
 * read completely, page by page, through the shared {@link WorkosClient} (so its budget, per-directory limit and
 * backoff apply). Each page comes with the time its request was sent: what it shows was true at some moment after
 * that, which is what the reconciliation's guards need.
 */
public final class DirectorySyncApi {

    static final int PAGE_LIMIT = 100;
    /** A reconciliation waits out WorkOS trouble for this long per page before giving up the run. */
    private static final Duration PAGE_WAIT = Duration.ofMinutes(10);

    /** One page: its objects and when its request was sent. */
    public record Page(List<JsonNode> data, Instant requestedAt) {
    }

    @FunctionalInterface
    public interface PageHandler {
        void page(Page page) throws InterruptedException;
    }

    private final WorkosClient client;

    public DirectorySyncApi(WorkosClient client) {
        this.client = client;
    }

    public void directories(PageHandler handler) throws WorkosApiException, WorkosUnavailableException,
            InterruptedException {
        list("/directories", "/directories", Map.of(), handler);
    }

    /** One directory; empty when WorkOS does not know it (404). */
    public java.util.Optional<JsonNode> directory(String id) throws WorkosApiException, WorkosUnavailableException,
            InterruptedException {
        try {
            WorkosClient.Response r = client.get("/directories/{id}", "/directories/" + encode(id), Map.of(), PAGE_WAIT);
            return java.util.Optional.of(parse(r.body()));
        } catch (WorkosApiException e) {
            if (e.status() == 404) {
                return java.util.Optional.empty();
            }
            throw e;
        }
    }

    public void groups(String directoryId, PageHandler handler) throws WorkosApiException,
            WorkosUnavailableException, InterruptedException {
        list("/directory_groups", "/directory_groups", Map.of("directory", directoryId), handler);
    }

    /** The directory's users, each with its {@code groups} (empty for teams where WorkOS no longer fills it). */
    public void users(String directoryId, PageHandler handler) throws WorkosApiException, WorkosUnavailableException,
            InterruptedException {
        list("/directory_users", "/directory_users", Map.of("directory", directoryId), handler);
    }

    /**
     * The members of one group of {@code directoryId}: the fallback when users come without their {@code groups}.
     * Counted against the directory's limit on {@code /directory_users}, as WorkOS counts it.
     */
    public void members(String directoryId, String groupId, PageHandler handler) throws WorkosApiException,
            WorkosUnavailableException, InterruptedException {
        list("/directory_users", "/directory_users", Map.of("group", groupId), directoryId, handler);
    }

    private void list(String endpoint, String path, Map<String, String> filter, PageHandler handler)
            throws WorkosApiException, WorkosUnavailableException, InterruptedException {
        list(endpoint, path, filter, filter.getOrDefault("directory", ""), handler);
    }

    private void list(String endpoint, String path, Map<String, String> filter, String directoryId,
                      PageHandler handler) throws WorkosApiException, WorkosUnavailableException, InterruptedException {
        String after = null;
        do {
            Map<String, String> query = new LinkedHashMap<>(filter);
            query.put("limit", Integer.toString(PAGE_LIMIT));
            query.put("order", "desc");
            if (after != null) {
                query.put("after", after);
            }
            Instant requestedAt = Instant.now();
            WorkosClient.Response response = client.get(endpoint, path, query, PAGE_WAIT, directoryId);
            JsonNode root = parse(response.body());
            JsonNode data = root.path("data");
            List<JsonNode> items = new ArrayList<>(data.size());
            data.forEach(items::add);
            handler.page(new Page(items, requestedAt));
            JsonNode next = root.path("list_metadata").path("after");
            String nextAfter = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
            // a server that repeats its cursor would otherwise page for ever
            after = items.isEmpty() || (nextAfter != null && nextAfter.equals(after)) ? null : nextAfter;
        } while (after != null);
    }

    private static JsonNode parse(byte[] body) throws WorkosApiException {
        try {
            JsonNode node = EventParser.MAPPER.readTree(body);
            if (node == null || !node.isObject()) {
                throw new WorkosApiException(200, "WorkOS answered with something that is not a JSON object", null);
            }
            return node;
        } catch (IOException e) {
            throw new WorkosApiException(200, "WorkOS answered with unreadable JSON: " + e.getMessage(), null);
        }
    }

    private static String encode(String id) {
        return java.net.URLEncoder.encode(id, java.nio.charset.StandardCharsets.UTF_8);
    }
}
