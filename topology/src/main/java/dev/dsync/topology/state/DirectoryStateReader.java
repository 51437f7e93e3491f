package dev.dsync.topology.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read-only view of the directory state for a query layer. It returns the change-log JSON of each row, and skips
 * tombstone markers. Listings are in id order and paged with an exclusive {@code after} cursor (null: from the
 * start).
 *
 * <p>The stores hold only the directories of the tasks this instance runs: route a query for a directory to the
 * instance that {@code KafkaStreams.queryMetadataForKey(store, directoryId, new StringSerializer())} names.
 *
 * <p>A directory is also a directory when it has no row of its own (WorkOS never sent its {@code dsync.activated},
 * or its row is a deletion marker) but the users or groups store holds a live row in it: it is then read as an
 * <em>inferred</em> directory, the change-log directory fields with {@code id} and {@code organization_id} taken
 * from its first live user (else group) row, every other field null, plus {@code "inferred": true}. Nothing is
 * stored for it: it is a view, and it is gone again once its last user and group are. (A deleted directory still
 * holding rows is possible: events newer than the deletion are applied, and those rows are in the change log and
 * the database too, so they are readable here.) Real directory rows are returned as they are.
 */
public final class DirectoryStateReader {

    /** One row: its id within the listing and its change-log value. */
    public record Row(String id, String json) {
    }

    /** A page of rows; {@code nextAfter} is the cursor of the next page, null on the last page. */
    public record Page(List<Row> rows, String nextAfter) {
    }

    private final ReadOnlyKeyValueStore<String, EntityRecord> directories;
    private final ReadOnlyKeyValueStore<String, EntityRecord> users;
    private final ReadOnlyKeyValueStore<String, EntityRecord> groups;
    private final ReadOnlyKeyValueStore<String, MembershipRecord> memberships;
    /** May be null: then no directory has a last event. */
    private final ReadOnlyKeyValueStore<String, byte[]> lastEvents;

    public DirectoryStateReader(ReadOnlyKeyValueStore<String, EntityRecord> directories,
                                ReadOnlyKeyValueStore<String, EntityRecord> users,
                                ReadOnlyKeyValueStore<String, EntityRecord> groups,
                                ReadOnlyKeyValueStore<String, MembershipRecord> memberships) {
        this(directories, users, groups, memberships, null);
    }

    public DirectoryStateReader(ReadOnlyKeyValueStore<String, EntityRecord> directories,
                                ReadOnlyKeyValueStore<String, EntityRecord> users,
                                ReadOnlyKeyValueStore<String, EntityRecord> groups,
                                ReadOnlyKeyValueStore<String, MembershipRecord> memberships,
                                ReadOnlyKeyValueStore<String, byte[]> lastEvents) {
        this.directories = directories;
        this.users = users;
        this.groups = groups;
        this.memberships = memberships;
        this.lastEvents = lastEvents;
    }

    /** The last event the topology took in for the directory (JSON: id, type, occurred_at, source, applied_at). */
    public Optional<String> lastEvent(String directoryId) {
        byte[] v = lastEvents == null ? null : lastEvents.get(directoryId);
        return Optional.ofNullable(v == null ? null : new String(v, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The directory's own row, else an inferred directory when it holds live users or groups. */
    public Optional<String> directory(String directoryId) {
        String own = EntityRecord.rendered(directories.get(directoryId));
        if (own != null) {
            return Optional.of(own);
        }
        String member = firstLive(users, directoryId);
        if (member == null) {
            member = firstLive(groups, directoryId);
        }
        return Optional.ofNullable(member == null ? null : inferred(directoryId, member));
    }

    /** Directories of this instance's tasks, inferred ones included, in id order. */
    public Page directories(String after, int limit) {
        checkLimit(limit);
        LiveOwners withUsers = new LiveOwners(users, after);
        LiveOwners withGroups = new LiveOwners(groups, after);
        try (KeyValueIterator<String, EntityRecord> own =
                     directories.range(after == null ? null : after + '\u0000', null)) {
            return page(new DirectoryRows(own, withUsers, withGroups), limit);
        }
    }

    public Optional<String> user(String directoryId, String userId) {
        return Optional.ofNullable(EntityRecord.rendered(users.get(StateKeys.entity(directoryId, userId))));
    }

    public Page users(String directoryId, String after, int limit) {
        return entities(users, directoryId, after, limit);
    }

    public Optional<String> group(String directoryId, String groupId) {
        return Optional.ofNullable(EntityRecord.rendered(groups.get(StateKeys.entity(directoryId, groupId))));
    }

    public Page groups(String directoryId, String after, int limit) {
        return entities(groups, directoryId, after, limit);
    }

    /** The memberships of a group, by user id; each row is the membership's change-log value. */
    public Page members(String directoryId, String groupId, String after, int limit) {
        String prefix = StateKeys.childPrefix(directoryId, groupId);
        try (KeyValueIterator<String, MembershipRecord> it = memberships.range(from(prefix, after), upTo(prefix))) {
            return page(it, limit, StateKeys::lastPart, MembershipRecord::rendered);
        }
    }

    /** The memberships of a user, by group id; each row is the membership's change-log value. */
    public Page groupsOf(String directoryId, String userId, String after, int limit) {
        // the memberships store's by-user index, which returns each entry with its row's value
        String prefix = StateKeys.userMembershipsPrefix(directoryId, userId);
        try (KeyValueIterator<String, MembershipRecord> it = memberships.range(from(prefix, after), upTo(prefix))) {
            return page(it, limit, StateKeys::lastPart, MembershipRecord::rendered);
        }
    }

    private Page entities(ReadOnlyKeyValueStore<String, EntityRecord> store, String directoryId, String after,
                          int limit) {
        String prefix = StateKeys.directoryPrefix(directoryId);
        try (KeyValueIterator<String, EntityRecord> it = store.range(from(prefix, after), upTo(prefix))) {
            return page(it, limit, StateKeys::lastPart, EntityRecord::rendered);
        }
    }

    private static String firstLive(ReadOnlyKeyValueStore<String, EntityRecord> store, String directoryId) {
        String prefix = StateKeys.directoryPrefix(directoryId);
        try (KeyValueIterator<String, EntityRecord> it = store.range(prefix, upTo(prefix))) {
            while (it.hasNext()) {
                String value = EntityRecord.rendered(it.next().value);
                if (value != null) {
                    return value;
                }
            }
        }
        return null;
    }

    /**
     * The value of an inferred directory: the fields of a change-log directory value (ChangeLogValues.directory),
     * in its order, with the id and the organization of {@code memberJson} (a user or group row of it).
     */
    static String inferred(String directoryId, String memberJson) {
        ObjectNode o = EventParser.MAPPER.createObjectNode();
        o.put("id", directoryId);
        try {
            JsonNode org = EventParser.MAPPER.readTree(memberJson).get("organization_id");
            o.put("organization_id", org == null || !org.isTextual() ? null : org.asText());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // stored rows are JSON we rendered
        }
        for (String field : List.of("type", "state", "name", "domains", "created_at", "updated_at",
                "last_event_id", "last_event_at")) {
            o.putNull(field);
        }
        o.put("inferred", true);
        try {
            return EventParser.MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The directories that own at least one live row of a users or groups store, after a cursor, in key order
     * (which is id order for ids without characters below the separator, as everywhere in these stores). One range
     * read per directory: once a live row is found it seeks past the directory's prefix instead of reading the rest
     * of its rows; only deletion markers are read through.
     */
    private static final class LiveOwners {
        private final ReadOnlyKeyValueStore<String, EntityRecord> store;
        private final String after;
        private String from;
        private boolean exhausted;
        /** The current directory and its first live row; null when there is none left. */
        String id;
        String row;

        LiveOwners(ReadOnlyKeyValueStore<String, EntityRecord> store, String after) {
            this.store = store;
            this.after = after;
            // every key of a directory <= after sorts before after + AFTER_SEP
            this.from = after == null ? null : after + StateKeys.AFTER_SEP;
            advance();
        }

        void advance() {
            id = null;
            row = null;
            if (exhausted) {
                return;
            }
            try (KeyValueIterator<String, EntityRecord> it = store.range(from, null)) {
                while (it.hasNext()) {
                    KeyValue<String, EntityRecord> kv = it.next();
                    int sep = kv.key.indexOf(StateKeys.SEP);
                    String value = EntityRecord.rendered(kv.value);
                    if (sep < 0 || value == null) {
                        continue;
                    }
                    String directoryId = kv.key.substring(0, sep);
                    if (after != null && compareIds(directoryId, after) <= 0) {
                        continue;
                    }
                    id = directoryId;
                    row = value;
                    from = directoryId + StateKeys.AFTER_SEP;
                    return;
                }
            }
            exhausted = true;
        }
    }

    /**
     * Own directory rows merged with the owners of live users and groups, by id; a row whose value is null (a
     * deletion marker with nothing live under it) is left for {@link #page} to skip.
     */
    private static final class DirectoryRows implements Iterator<Row> {
        private final KeyValueIterator<String, EntityRecord> own;
        private final LiveOwners withUsers;
        private final LiveOwners withGroups;
        private KeyValue<String, EntityRecord> ownHead;

        DirectoryRows(KeyValueIterator<String, EntityRecord> own, LiveOwners withUsers, LiveOwners withGroups) {
            this.own = own;
            this.withUsers = withUsers;
            this.withGroups = withGroups;
            this.ownHead = own.hasNext() ? own.next() : null;
        }

        @Override
        public boolean hasNext() {
            return ownHead != null || withUsers.id != null || withGroups.id != null;
        }

        @Override
        public Row next() {
            String id = min(min(ownHead == null ? null : ownHead.key, withUsers.id), withGroups.id);
            String json = null;
            if (ownHead != null && ownHead.key.equals(id)) {
                json = EntityRecord.rendered(ownHead.value);
                ownHead = own.hasNext() ? own.next() : null;
            }
            String member = null;
            if (id.equals(withUsers.id)) {
                member = withUsers.row;
                withUsers.advance();
            }
            if (id.equals(withGroups.id)) {
                member = member == null ? withGroups.row : member;
                withGroups.advance();
            }
            return new Row(id, json != null || member == null ? json : inferred(id, member));
        }

        private static String min(String a, String b) {
            return a == null ? b : b == null || compareIds(a, b) <= 0 ? a : b;
        }
    }

    /** The stores' order: by UTF-8 bytes (plain string order for ASCII ids). */
    private static int compareIds(String a, String b) {
        return a.equals(b) ? 0 : Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8),
                b.getBytes(StandardCharsets.UTF_8));
    }

    private static String from(String prefix, String after) {
        // the smallest key greater than prefix + after
        return after == null ? prefix : prefix + after + '\u0000';
    }

    private static String upTo(String prefix) {
        return prefix.substring(0, prefix.length() - 1) + StateKeys.AFTER_SEP;
    }

    private static <V> Page page(KeyValueIterator<String, V> it, int limit, Function<String, String> id,
                                 Function<V, String> json) {
        checkLimit(limit);
        return page(new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public Row next() {
                KeyValue<String, V> kv = it.next();
                return new Row(id.apply(kv.key), json.apply(kv.value));
            }
        }, limit);
    }

    /** Up to {@code limit} rows, skipping those with a null value, reading one more to know whether it was all. */
    private static Page page(Iterator<Row> it, int limit) {
        List<Row> rows = new ArrayList<>();
        while (it.hasNext()) {
            Row row = it.next();
            if (row.json() == null) {
                continue;
            }
            if (rows.size() == limit) {
                return new Page(rows, rows.getLast().id());
            }
            rows.add(row);
        }
        return new Page(rows, null);
    }

    private static void checkLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
    }
}
