package dev.dsync.workos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Where the Events API poller stands, stored as one record in the compacted cursor topic and written in the same
 * Kafka transaction as the events it covers.
 *
 * <p>Reading resumes after {@code after} (or, while there is none, from {@code rangeStart}), which trails the
 * newest event read by a safety window: an event that becomes visible in the API after later ones were already
 * served is still found on the next pass. {@code window} holds the events already written that lie past
 * {@code after}, so a re-read writes only what is new. Duplicates remain possible (an event pushed out of the
 * window by its size limit, or tie-broken differently by WorkOS) and are harmless: the topology dedupes by id.
 *
 * @param after          the event id to resume after; null until an event has left the window
 * @param afterCreatedAt that event's time
 * @param rangeStart     where reading starts while {@code after} is null
 * @param window         events written past {@code after}, ordered by (created_at, id), oldest first
 * @param checkedAt      when a pass last reached the end of the stream: nothing before it can be missing
 * @param reconciliation non-null when events may have been missed; for reconciliation to act on
 */
public record CursorState(String after, Instant afterCreatedAt, Instant rangeStart, List<Seen> window,
                          Instant checkedAt, Gap reconciliation, Instant updatedAt) {

    /** The key of the Events API cursor in the cursor topic. */
    public static final String KEY = "events";

    private static final Comparator<Seen> ORDER = Comparator.comparing(Seen::createdAt).thenComparing(Seen::id);

    /** An event already written: its id and event time. */
    public record Seen(String id, Instant createdAt) {
    }

    /**
     * Events may be missing between {@code from} and {@code to}.
     *
     * @param reason {@code cursor_expired} (the cursor fell out of the Events API's retention) or
     *               {@code cursor_rejected} (WorkOS refused it)
     */
    public record Gap(String reason, Instant from, Instant to, Instant detectedAt) {
    }

    public CursorState {
        window = List.copyOf(window);
    }

    public static CursorState startingAt(Instant rangeStart, Instant now) {
        return new CursorState(null, null, rangeStart, List.of(), null, null, now);
    }

    public boolean seen(String id) {
        return window.stream().anyMatch(s -> s.id().equals(id));
    }

    public Set<String> windowIds() {
        return window.stream().map(Seen::id).collect(Collectors.toUnmodifiableSet());
    }

    /** The time reading resumes from: the cursor event's time, or the range start. */
    public Instant resumeTime() {
        return after != null ? afterCreatedAt : rangeStart;
    }

    /** The newest event written, or null. */
    public Seen newest() {
        return window.isEmpty() ? (after == null ? null : new Seen(after, afterCreatedAt)) : window.getLast();
    }

    /**
     * Adds events just written and moves {@code after} up to the newest event older than {@code safety} before
     * the newest, or further when more than {@code maxWindow} events would remain past it.
     */
    public CursorState withWritten(List<Seen> written, Duration safety, int maxWindow, Instant now) {
        TreeSet<Seen> all = new TreeSet<>(ORDER);
        all.addAll(window);
        all.addAll(written);
        String newAfter = after;
        Instant newAfterCreatedAt = afterCreatedAt;
        Instant threshold = all.isEmpty() ? null : all.last().createdAt().minus(safety);
        while (all.size() > 1 && (all.size() > maxWindow || all.first().createdAt().isBefore(threshold))) {
            Seen first = all.pollFirst();
            newAfter = first.id();
            newAfterCreatedAt = first.createdAt();
        }
        return new CursorState(newAfter, newAfterCreatedAt, rangeStart, new ArrayList<>(all), checkedAt,
                reconciliation, now);
    }

    /** Resumes from a time instead of an event id (the id expired or was refused); the window is kept. */
    public CursorState anchoredAt(Instant start, Instant now) {
        return new CursorState(null, null, start, window, checkedAt, reconciliation, now);
    }

    public CursorState withCheckedAt(Instant checked) {
        return new CursorState(after, afterCreatedAt, rangeStart, window, checked, reconciliation, checked);
    }

    /**
     * Records a possible gap; an earlier one is widened rather than replaced. Its detection time becomes the new
     * one's: a gap counts as closed once a reconciliation of every directory started after it was detected, so a gap
     * found after that reconciliation must not look closed by it.
     */
    public CursorState withGap(Gap gap) {
        Gap merged = reconciliation == null ? gap : new Gap(reconciliation.reason(),
                min(reconciliation.from(), gap.from()), max(reconciliation.to(), gap.to()),
                max(reconciliation.detectedAt(), gap.detectedAt()));
        return new CursorState(after, afterCreatedAt, rangeStart, window, checkedAt, merged, gap.detectedAt());
    }

    public byte[] toJson() {
        ObjectNode root = EventParser.MAPPER.createObjectNode();
        root.put("after", after);
        root.put("after_created_at", time(afterCreatedAt));
        root.put("range_start", time(rangeStart));
        ArrayNode w = root.putArray("window");
        window.forEach(s -> w.addObject().put("id", s.id()).put("created_at", time(s.createdAt())));
        root.put("checked_at", time(checkedAt));
        if (reconciliation == null) {
            root.putNull("reconciliation_needed");
        } else {
            root.putObject("reconciliation_needed")
                    .put("reason", reconciliation.reason())
                    .put("from", time(reconciliation.from()))
                    .put("to", time(reconciliation.to()))
                    .put("detected_at", time(reconciliation.detectedAt()));
        }
        root.put("updated_at", time(updatedAt));
        try {
            return EventParser.MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static CursorState fromJson(byte[] json) throws IOException {
        JsonNode root = EventParser.MAPPER.readTree(json);
        if (root == null || !root.isObject()) {
            throw new IOException("the cursor record is not a JSON object");
        }
        List<Seen> window = new ArrayList<>();
        for (JsonNode s : root.path("window")) {
            window.add(new Seen(s.path("id").asText(), instant(s, "created_at")));
        }
        window.sort(ORDER);
        JsonNode gap = root.path("reconciliation_needed");
        Gap reconciliation = gap.isObject() ? new Gap(gap.path("reason").asText(), instant(gap, "from"),
                instant(gap, "to"), instant(gap, "detected_at")) : null;
        String after = root.path("after").isTextual() ? root.get("after").asText() : null;
        return new CursorState(after, instant(root, "after_created_at"), instant(root, "range_start"), window,
                instant(root, "checked_at"), reconciliation, instant(root, "updated_at"));
    }

    private static Instant instant(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || !v.isTextual() ? null : EventTimes.parse(v.asText()).orElse(null);
    }

    private static String time(Instant t) {
        return t == null ? null : EventTimes.format(t);
    }

    private static Instant min(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a == null ? b : b == null ? a : a.isAfter(b) ? a : b;
    }
}
