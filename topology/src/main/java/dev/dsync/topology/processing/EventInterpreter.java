package dev.dsync.topology.processing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.WorkosEvent;
import dev.dsync.topology.state.EventKey;
import dev.dsync.topology.state.StateKeys;
import dev.dsync.topology.state.Version;
import java.time.Instant;
import java.util.Optional;

/**
 * Turns one input record into a {@link DsyncEvent}, or says why it cannot: everything that can be wrong with the
 * data is found here, so the stateful step never fails on bad input.
 */
public final class EventInterpreter {

    /** The outcome for one record. */
    public sealed interface Result {
    }

    public record Accepted(DsyncEvent event) implements Result {
    }

    /** A well-formed event of a type this topology does not handle (e.g. {@code dsync.token.created}). */
    public record Unknown(String type) implements Result {
    }

    /** A record that is not a usable event; it goes to the dead-letter topic with this reason. */
    public record Rejected(String reason) implements Result {
    }

    /**
     * The largest change-log value the topology writes: a provisioning record holds two of them (before and after)
     * and must still fit {@link dev.dsync.events.Topics#MAX_RECORD_BYTES}. Any value rendered from an input the
     * input topic accepts (2 MiB) is smaller.
     */
    public static final int MAX_VALUE_BYTES = dev.dsync.events.Topics.MAX_RECORD_BYTES / 2 - 64 * 1024;

    private EventInterpreter() {
    }

    /**
     * @param key the record key (the directory id the gateway partitioned by), may be null
     */
    public static Result interpret(String key, byte[] value) {
        if (value == null || value.length == 0) {
            return new Rejected("empty_value");
        }
        WorkosEvent event;
        try {
            event = EventParser.parse(value);
        } catch (EventParser.InvalidEventException e) {
            return new Rejected(e.reason());
        }
        String type = event.type();
        EntityKind kind;
        boolean deleted = false;
        boolean membership = false;
        boolean present = false;
        String stateOverride = null;
        switch (type) {
            case "dsync.activated" -> kind = EntityKind.DIRECTORY;
            case "dsync.deactivated" -> {
                kind = EntityKind.DIRECTORY;
                stateOverride = "inactive";
            }
            case "dsync.deleted" -> {
                kind = EntityKind.DIRECTORY;
                deleted = true;
            }
            case "dsync.user.created", "dsync.user.updated" -> kind = EntityKind.USER;
            case "dsync.user.deleted" -> {
                kind = EntityKind.USER;
                deleted = true;
            }
            case "dsync.group.created", "dsync.group.updated" -> kind = EntityKind.GROUP;
            case "dsync.group.deleted" -> {
                kind = EntityKind.GROUP;
                deleted = true;
            }
            case "dsync.group.user_added" -> {
                kind = null;
                membership = true;
                present = true;
            }
            case "dsync.group.user_removed" -> {
                kind = null;
                membership = true;
            }
            default -> {
                return new Unknown(type);
            }
        }

        Optional<String> directoryId = event.directoryId();
        if (directoryId.isEmpty()) {
            return new Rejected("missing_directory_id");
        }
        String dir = directoryId.get();
        if (!StateKeys.isValidId(dir)) {
            return new Rejected("invalid_directory_id");
        }
        // State is partitioned by the record key: a record keyed otherwise would put this directory's rows in a
        // task that does not own them, so it is set aside rather than silently split.
        if (!dir.equals(key)) {
            return new Rejected(key == null ? "missing_key" : "key_mismatch");
        }
        if (!StateKeys.isValidId(event.id())) {
            return new Rejected("invalid_event_id");
        }

        // The event time orders memberships and deletions against everything else. Any stand-in (the arrival
        // time, say) could outrank a readable, newer event delivered earlier, so an event without one is set aside.
        if (event.createdAt() == null) {
            return new Rejected("missing_created_at");
        }
        Optional<Long> createdMicros = Times.parse(event.createdAt()).flatMap(EventInterpreter::micros);
        if (createdMicros.isEmpty()) {
            return new Rejected("invalid_created_at");
        }
        long eventMicros = createdMicros.get();
        String createdAt = Times.formatMicros(eventMicros);
        EventMeta meta = new EventMeta(event.id(), type, dir, new EventKey(eventMicros, event.id()), createdAt);

        JsonNode data = event.data();
        if (membership) {
            JsonNode user = data.get("user");
            JsonNode group = data.get("group");
            String userId = ChangeLogValues.text(user, "id");
            String groupId = ChangeLogValues.text(group, "id");
            if (!StateKeys.isValidId(userId)) {
                return new Rejected("missing_user_id");
            }
            if (!StateKeys.isValidId(groupId)) {
                return new Rejected("missing_group_id");
            }
            String org = ChangeLogValues.text(group, "organization_id");
            if (org == null) {
                org = ChangeLogValues.text(user, "organization_id");
            }
            ChangeLogValues.Rendered rendered = ChangeLogValues.membership(groupId, userId, dir, org, meta);
            if (tooLarge(rendered.json())) {
                return new Rejected("value_too_large");
            }
            return new Accepted(new MembershipEvent(meta, groupId, userId, present, rendered.json(),
                    rendered.summary()));
        }

        String entityId = ChangeLogValues.text(data, "id");
        if (!StateKeys.isValidId(entityId)) {
            return new Rejected(kind == EntityKind.USER ? "missing_user_id"
                    : kind == EntityKind.GROUP ? "missing_group_id" : "missing_directory_id");
        }
        // Without a readable updated_at the event time is the best version WorkOS gives us.
        long updatedMicros = Times.parse(ChangeLogValues.text(data, "updated_at"))
                .flatMap(EventInterpreter::micros)
                .orElse(eventMicros);
        Version version = new Version(updatedMicros, eventMicros, event.id());
        boolean inactive = kind == EntityKind.USER && "inactive".equals(ChangeLogValues.userState(data));
        ChangeLogValues.Rendered rendered = deleted ? null : switch (kind) {
            case DIRECTORY -> ChangeLogValues.directory(data, meta, stateOverride);
            case USER -> ChangeLogValues.user(data, meta);
            case GROUP -> ChangeLogValues.group(data, meta);
        };
        if (rendered != null && tooLarge(rendered.json())) {
            return new Rejected("value_too_large");
        }
        return new Accepted(new EntityEvent(meta, kind, entityId, version, deleted, inactive,
                rendered == null ? null : rendered.json(), rendered == null ? null : rendered.summary()));
    }

    /**
     * A change-log value the topology's producer or the topics could refuse. Such a write would stop the stream
     * thread, so the event is dead-lettered instead; an input within the gateway's limit never renders this large.
     */
    static boolean tooLarge(String rendered) {
        return rendered != null && rendered.length() > MAX_VALUE_BYTES / 3
                && rendered.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_VALUE_BYTES;
    }

    /** Epoch microseconds; empty before 1970 (Kafka timestamps cannot be negative) or beyond a long's range. */
    static Optional<Long> micros(Instant t) {
        if (t.getEpochSecond() < 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1000));
        } catch (ArithmeticException e) {
            return Optional.empty();
        }
    }

    static Instant instant(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }
}
