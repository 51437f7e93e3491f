package dev.dsync.topology.query;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventTimes;
import dev.dsync.topology.state.DirectoryStateReader;
import dev.dsync.topology.state.StateKeys;
import dev.dsync.workos.CursorState;
import dev.dsync.workos.EventsApiSource;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How a directory stays in step with WorkOS ({@code GET /v1/directories/{id}/sync}) and reconciliation on demand
 * ({@code POST /v1/reconciliations}, {@code GET /v1/reconciliations/{id}}). The directory's last event comes from
 * the state of the instance that owns it; the Events API cursor and the reconciliations from the WorkOS API source,
 * which every instance runs (only one of them talks to WorkOS).
 */
final class SyncStatus {

    private final Supplier<Optional<EventsApiSource>> source;

    SyncStatus(Supplier<Optional<EventsApiSource>> source) {
        this.source = source;
    }

    Answer directory(String directoryId, DirectoryStateReader reader) {
        Optional<String> lastEvent = reader.lastEvent(directoryId);
        Optional<EventsApiSource> api = source.get();
        Optional<JsonNode> reconciliation = api.flatMap(a -> a.reconciler().log().directory(directoryId));
        if (lastEvent.isEmpty() && reconciliation.isEmpty() && reader.directory(directoryId).isEmpty()) {
            return Answer.notFound("directory " + directoryId + " not found");
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("directory_id", directoryId);
        root.set("last_event", lastEvent.map(SyncStatus::parse).orElse(null));
        root.set("events_api", eventsApi(api));
        root.set("last_reconciliation", reconciliation.orElse(null));
        return Answer.ok(root.toString());
    }

    private static ObjectNode eventsApi(Optional<EventsApiSource> api) {
        ObjectNode e = Json.MAPPER.createObjectNode();
        e.put("enabled", api.isPresent());
        if (api.isEmpty()) {
            return e;
        }
        EventsApiSource a = api.get();
        // the poller's own view is current to the last poll; other instances see the last committed cursor
        Optional<CursorState> cursor = a.poller().active() ? a.poller().cursor() : a.reconciler().log().cursor();
        CursorState.Seen newest = cursor.map(CursorState::newest).orElse(null);
        e.put("cursor", newest == null ? null : newest.id());
        e.put("cursor_time", newest == null ? null : EventTimes.format(newest.createdAt()));
        Instant checked = cursor.map(CursorState::checkedAt).orElse(null);
        e.put("checked_at", checked == null ? null : EventTimes.format(checked));
        Instant caughtUpTo = checked != null ? checked : cursor.map(CursorState::resumeTime).orElse(null);
        e.put("lag_seconds", caughtUpTo == null ? null
                : Math.max(0, Duration.between(caughtUpTo, Instant.now()).toSeconds()));
        CursorState.Gap gap = a.status().reconciliationNeeded();
        if (gap == null) {
            e.putNull("reconciliation_needed");
        } else {
            e.putObject("reconciliation_needed").put("reason", gap.reason())
                    .put("from", EventTimes.format(gap.from())).put("to", EventTimes.format(gap.to()));
        }
        var status = a.client().status();
        e.put("api_status", status.degraded() ? "degraded" : "ok");
        e.put("api_problem", status.degraded() ? status.reason() : null);
        return e;
    }

    /** {@code POST /v1/reconciliations}: body empty, or {@code {"directory_id": "…"}}. */
    Answer request(String body) {
        Optional<EventsApiSource> api = source.get();
        if (api.isEmpty()) {
            return new Answer(409, Json.error("workos_api_disabled",
                    "reconciliation needs the WorkOS API: set WORKOS_API_KEY"), false);
        }
        String directoryId = null;
        if (body != null && !body.isBlank()) {
            JsonNode json;
            try {
                json = Json.MAPPER.readTree(body);
            } catch (IOException e) {
                return Answer.badRequest("the body must be JSON: {\"directory_id\": \"…\"} or nothing");
            }
            if (json == null || !json.isObject()) {
                return Answer.badRequest("the body must be a JSON object");
            }
            JsonNode d = json.get("directory_id");
            if (d != null && !d.isNull()) {
                if (!d.isTextual() || !StateKeys.isValidId(d.asText())) {
                    return Answer.badRequest("directory_id must be a directory id");
                }
                directoryId = d.asText();
            }
        }
        return new Answer(202, api.get().reconciler().request(directoryId).toString(), false);
    }

    Answer reconciliation(String id) {
        Optional<JsonNode> status = source.get().flatMap(a -> a.reconciler().status(id));
        return status.map(s -> Answer.ok(s.toString()))
                .orElseGet(() -> Answer.notFound("reconciliation " + id + " not found"));
    }

    private static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            return null;
        }
    }
}
