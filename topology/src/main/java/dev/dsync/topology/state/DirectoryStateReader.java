package dev.dsync.topology.state;

import java.util.ArrayList;
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
    private final ReadOnlyKeyValueStore<String, byte[]> membershipsByUser;

    public DirectoryStateReader(ReadOnlyKeyValueStore<String, EntityRecord> directories,
                                ReadOnlyKeyValueStore<String, EntityRecord> users,
                                ReadOnlyKeyValueStore<String, EntityRecord> groups,
                                ReadOnlyKeyValueStore<String, MembershipRecord> memberships,
                                ReadOnlyKeyValueStore<String, byte[]> membershipsByUser) {
        this.directories = directories;
        this.users = users;
        this.groups = groups;
        this.memberships = memberships;
        this.membershipsByUser = membershipsByUser;
    }

    public Optional<String> directory(String directoryId) {
        return Optional.ofNullable(EntityRecord.rendered(directories.get(directoryId)));
    }

    /** Directories of this instance's tasks. */
    public Page directories(String after, int limit) {
        try (KeyValueIterator<String, EntityRecord> it =
                     directories.range(after == null ? null : after + '\u0000', null)) {
            return page(it, limit, key -> key, EntityRecord::rendered);
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
        String prefix = StateKeys.childPrefix(directoryId, userId);
        try (KeyValueIterator<String, byte[]> it = membershipsByUser.range(from(prefix, after), upTo(prefix))) {
            return page(it, limit, StateKeys::lastPart, ignored -> null, (key, groupId) ->
                    MembershipRecord.rendered(memberships.get(StateKeys.membership(directoryId, groupId, userId))));
        }
    }

    private Page entities(ReadOnlyKeyValueStore<String, EntityRecord> store, String directoryId, String after,
                          int limit) {
        String prefix = StateKeys.directoryPrefix(directoryId);
        try (KeyValueIterator<String, EntityRecord> it = store.range(from(prefix, after), upTo(prefix))) {
            return page(it, limit, StateKeys::lastPart, EntityRecord::rendered);
        }
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
        return page(it, limit, id, json, null);
    }

    private interface Lookup {
        String json(String key, String id);
    }

    private static <V> Page page(KeyValueIterator<String, V> it, int limit, Function<String, String> id,
                                 Function<V, String> json, Lookup lookup) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive");
        }
        List<Row> rows = new ArrayList<>();
        while (it.hasNext()) {
            KeyValue<String, V> kv = it.next();
            String rowId = id.apply(kv.key);
            String value = lookup == null ? json.apply(kv.value) : lookup.json(kv.key, rowId);
            if (value == null) {
                continue;
            }
            if (rows.size() == limit) {
                return new Page(rows, rows.getLast().id());
            }
            rows.add(new Row(rowId, value));
        }
        return new Page(rows, null);
    }
}
