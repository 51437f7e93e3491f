package dev.dsync.workos.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The Directory Sync world behind {@link FakeWorkosApi}: directories, users, groups and memberships as WorkOS holds
 * them, changed by Directory Sync events and served in the REST shapes of WorkOS's list endpoints.
 *
 * <p>Events apply in call order, unconditionally: the world is the source of truth, not a mirror, so there are no
 * version checks. A deleted directory takes its users, groups and memberships with it; a deleted group or user
 * takes its memberships. A membership is kept by (group, user) and served only while both exist. Lists are
 * live: every page is read from the current world, sorted by {@code created_at}, then id.
 *
 * <p>Thread-safe: every method locks the world.
 */
public final class FakeDirectoryWorld {

    /** A membership, with the directory its event named. */
    public record Membership(String groupId, String userId, String directoryId) {
        /** The id dsync's drift reports use: {@code <group_id>/<user_id>}. */
        public String id() {
            return groupId + "/" + userId;
        }
    }

    /**
     * A copy of the whole world. Directories are the stored event data (event vocabulary: {@code state} is
     * {@code active}, {@code inactive}, …); users and groups are their stored data without {@code groups} or
     * {@code previous_attributes}; memberships only where both sides exist. {@code deletedDirectories} are the ids
     * of directories a {@code dsync.deleted} removed (and not re-activated since).
     */
    public record Snapshot(Map<String, ObjectNode> directories, Map<String, ObjectNode> users,
                           Map<String, ObjectNode> groups, Set<Membership> memberships, Set<String> deletedDirectories) {
    }

    /** Paging parameters of a list call, already validated. */
    public record PageRequest(int limit, String order, String after, String before) {
    }

    /** A list call's answer: the rendered objects and the cursors for {@code list_metadata}. */
    public record Page(List<ObjectNode> data, String before, String after) {
        /** The WorkOS list envelope. */
        public String json() {
            ObjectNode body = EventParser.MAPPER.createObjectNode().put("object", "list");
            ArrayNode items = body.putArray("data");
            data.forEach(items::add);
            ObjectNode meta = body.putObject("list_metadata");
            meta.put("before", before);
            meta.put("after", after);
            return body.toString();
        }
    }

    /** A list or object the caller asked for does not exist; {@code message} is WorkOS's 404 text. */
    public static final class NotFound extends Exception {
        public NotFound(String message) {
            super(message, null, false, false);
        }
    }

    /** A cursor names no object the world has ever held. */
    public static final class UnknownCursor extends Exception {
        public UnknownCursor(String field) {
            super(field, null, false, false);
        }
    }

    private record Key(Instant createdAt, String id) implements Comparable<Key> {
        private static final Comparator<Key> ORDER = Comparator.comparing(Key::createdAt).thenComparing(Key::id);

        @Override
        public int compareTo(Key other) {
            return ORDER.compare(this, other);
        }
    }

    private final Map<String, ObjectNode> directories = new HashMap<>();
    private final NavigableSet<Key> directoryOrder = new TreeSet<>();
    private final Map<String, ObjectNode> users = new HashMap<>();
    private final Map<String, ObjectNode> groups = new HashMap<>();
    private final Map<String, NavigableSet<Key>> usersByDirectory = new HashMap<>();
    private final Map<String, NavigableSet<Key>> groupsByDirectory = new HashMap<>();
    /** group id -> (user id -> directory id) */
    private final Map<String, Map<String, String>> membersOfGroup = new HashMap<>();
    /** user id -> group ids */
    private final Map<String, Set<String>> groupsOfUser = new HashMap<>();
    /** Every id ever held, with its sort key: a cursor naming a since-deleted object still has a position. */
    private final Map<String, Key> keys = new HashMap<>();
    private final Set<String> deletedDirectories = new LinkedHashSet<>();

    /**
     * Applies one Directory Sync event's change. Other types are ignored.
     *
     * @param data the event's {@code data} object
     */
    public synchronized void apply(String type, JsonNode data) {
        if (data == null || !data.isObject()) {
            throw new IllegalArgumentException("event data must be a JSON object");
        }
        switch (type) {
            case "dsync.activated" -> putDirectory((ObjectNode) data.deepCopy());
            case "dsync.deactivated" -> putDirectory(((ObjectNode) data.deepCopy()).put("state", "inactive"));
            case "dsync.deleted" -> deleteDirectory(text(data, "id"));
            case "dsync.user.created", "dsync.user.updated" -> putUser(stored(data));
            case "dsync.user.deleted" -> deleteUser(text(data, "id"));
            case "dsync.group.created", "dsync.group.updated" -> putGroup(stored(data));
            case "dsync.group.deleted" -> deleteGroup(text(data, "id"));
            case "dsync.group.user_added" -> addMembership(data);
            case "dsync.group.user_removed" -> removeMembership(text(data.path("group"), "id"), text(data.path("user"), "id"));
            default -> {
            }
        }
    }

    /** The directory an event is about, as WorkOS keys it: the directory's own id or the data's directory_id. */
    public static String directoryIdOf(String type, JsonNode data) {
        if (type.equals("dsync.activated") || type.equals("dsync.deactivated") || type.equals("dsync.deleted")) {
            return text(data, "id");
        }
        String id = text(data, "directory_id");
        return id != null ? id : text(data.path("group"), "directory_id");
    }

    public synchronized Snapshot snapshot() {
        Map<String, ObjectNode> d = new LinkedHashMap<>();
        directoryOrder.forEach(k -> d.put(k.id(), directories.get(k.id()).deepCopy()));
        Map<String, ObjectNode> u = new LinkedHashMap<>();
        sorted(users.keySet()).forEach(k -> u.put(k.id(), users.get(k.id()).deepCopy()));
        Map<String, ObjectNode> g = new LinkedHashMap<>();
        sorted(groups.keySet()).forEach(k -> g.put(k.id(), groups.get(k.id()).deepCopy()));
        Set<Membership> m = new LinkedHashSet<>();
        for (Key group : sorted(membersOfGroup.keySet())) {
            for (Key user : sorted(membersOfGroup.get(group.id()).keySet())) {
                if (groups.containsKey(group.id()) && users.containsKey(user.id())) {
                    m.add(new Membership(group.id(), user.id(), membersOfGroup.get(group.id()).get(user.id())));
                }
            }
        }
        return new Snapshot(Collections.unmodifiableMap(d), Collections.unmodifiableMap(u),
                Collections.unmodifiableMap(g), Collections.unmodifiableSet(m), Set.copyOf(deletedDirectories));
    }

    /** A copy of a user's stored data (event shape, without {@code groups}). */
    public synchronized Optional<ObjectNode> user(String id) {
        return Optional.ofNullable(users.get(id)).map(ObjectNode::deepCopy);
    }

    public synchronized Optional<ObjectNode> group(String id) {
        return Optional.ofNullable(groups.get(id)).map(ObjectNode::deepCopy);
    }

    /** The directory a group belongs to, if the group exists. */
    public synchronized Optional<String> directoryOfGroup(String groupId) {
        return Optional.ofNullable(groups.get(groupId)).map(g -> text(g, "directory_id"));
    }

    // ---- REST reads ----

    public synchronized Page listDirectories(String organizationId, PageRequest request) throws UnknownCursor {
        NavigableSet<Key> all = directoryOrder;
        if (organizationId != null) {
            all = filtered(directoryOrder, k -> organizationId.equals(text(directories.get(k.id()), "organization_id")));
        }
        return page(all, request, k -> restDirectory(directories.get(k.id())));
    }

    public synchronized ObjectNode getDirectory(String id) throws NotFound {
        ObjectNode d = directories.get(id);
        if (d == null) {
            throw new NotFound("Directory not found: '" + id + "'.");
        }
        return restDirectory(d);
    }

    /** {@code GET /directory_users}: by directory, or by group (the group's members), or both. */
    public synchronized Page listUsers(String directoryId, String groupId, PageRequest request, boolean withGroups)
            throws NotFound, UnknownCursor {
        NavigableSet<Key> all;
        if (groupId != null) {
            if (!groups.containsKey(groupId)) {
                throw new NotFound("Directory Group not found: '" + groupId + "'.");
            }
            all = sorted(membersOfGroup.getOrDefault(groupId, Map.of()).keySet());
            if (directoryId != null) {
                all = filtered(all, k -> directoryId.equals(text(users.get(k.id()), "directory_id")));
            }
        } else {
            requireDirectory(directoryId);
            all = usersByDirectory.getOrDefault(directoryId, new TreeSet<>());
        }
        return page(all, request, k -> restUser(users.get(k.id()), withGroups));
    }

    /** {@code GET /directory_groups}: by directory, or by user (the groups that user is in), or both. */
    public synchronized Page listGroups(String directoryId, String userId, PageRequest request)
            throws NotFound, UnknownCursor {
        NavigableSet<Key> all;
        if (userId != null) {
            if (!users.containsKey(userId)) {
                throw new NotFound("Directory User not found: '" + userId + "'.");
            }
            all = sorted(groupsOfUser.getOrDefault(userId, Set.of()));
            if (directoryId != null) {
                all = filtered(all, k -> directoryId.equals(text(groups.get(k.id()), "directory_id")));
            }
        } else {
            requireDirectory(directoryId);
            all = groupsByDirectory.getOrDefault(directoryId, new TreeSet<>());
        }
        return page(all, request, k -> restGroup(groups.get(k.id())));
    }

    public synchronized ObjectNode getUser(String id, boolean withGroups) throws NotFound {
        ObjectNode u = users.get(id);
        if (u == null) {
            throw new NotFound("Directory User not found: '" + id + "'.");
        }
        return restUser(u, withGroups);
    }

    public synchronized ObjectNode getGroup(String id) throws NotFound {
        ObjectNode g = groups.get(id);
        if (g == null) {
            throw new NotFound("Directory Group not found: '" + id + "'.");
        }
        return restGroup(g);
    }

    // ---- changes ----

    private void putDirectory(ObjectNode data) {
        String id = require(data, "id");
        ObjectNode old = directories.put(id, data);
        if (old != null) {
            directoryOrder.remove(keys.get(id));
        }
        directoryOrder.add(key(id, data));
        deletedDirectories.remove(id);
    }

    private void deleteDirectory(String id) {
        if (id == null) {
            return;
        }
        ObjectNode old = directories.remove(id);
        if (old != null) {
            directoryOrder.remove(keys.get(id));
        }
        for (Key user : new ArrayList<>(usersByDirectory.getOrDefault(id, new TreeSet<>()))) {
            deleteUser(user.id());
        }
        for (Key group : new ArrayList<>(groupsByDirectory.getOrDefault(id, new TreeSet<>()))) {
            deleteGroup(group.id());
        }
        // memberships whose user or group never existed in the world, but whose event named this directory
        for (var members : new ArrayList<>(membersOfGroup.entrySet())) {
            members.getValue().entrySet().removeIf(e -> {
                if (id.equals(e.getValue())) {
                    unindexUserGroup(e.getKey(), members.getKey());
                    return true;
                }
                return false;
            });
            if (members.getValue().isEmpty()) {
                membersOfGroup.remove(members.getKey());
            }
        }
        usersByDirectory.remove(id);
        groupsByDirectory.remove(id);
        deletedDirectories.add(id);
    }

    private void putUser(ObjectNode data) {
        String id = require(data, "id");
        ObjectNode old = users.put(id, data);
        if (old != null) {
            unindex(usersByDirectory, text(old, "directory_id"), keys.get(id));
        }
        usersByDirectory.computeIfAbsent(text(data, "directory_id"), d -> new TreeSet<>()).add(key(id, data));
    }

    private void deleteUser(String id) {
        ObjectNode old = users.remove(id);
        if (old != null) {
            unindex(usersByDirectory, text(old, "directory_id"), keys.get(id));
        }
        for (String group : groupsOfUser.getOrDefault(id, Set.of())) {
            Map<String, String> members = membersOfGroup.get(group);
            if (members != null) {
                members.remove(id);
                if (members.isEmpty()) {
                    membersOfGroup.remove(group);
                }
            }
        }
        groupsOfUser.remove(id);
    }

    private void putGroup(ObjectNode data) {
        String id = require(data, "id");
        ObjectNode old = groups.put(id, data);
        if (old != null) {
            unindex(groupsByDirectory, text(old, "directory_id"), keys.get(id));
        }
        groupsByDirectory.computeIfAbsent(text(data, "directory_id"), d -> new TreeSet<>()).add(key(id, data));
    }

    private void deleteGroup(String id) {
        ObjectNode old = groups.remove(id);
        if (old != null) {
            unindex(groupsByDirectory, text(old, "directory_id"), keys.get(id));
        }
        Map<String, String> members = membersOfGroup.remove(id);
        if (members != null) {
            members.keySet().forEach(user -> unindexUserGroup(user, id));
        }
    }

    private void addMembership(JsonNode data) {
        JsonNode group = data.path("group");
        JsonNode user = data.path("user");
        String groupId = require(group, "id");
        String userId = require(user, "id");
        // remember the sort keys of sides the world may not hold (yet), so a later listing can order them
        keys.putIfAbsent(groupId, new Key(createdAt(group), groupId));
        keys.putIfAbsent(userId, new Key(createdAt(user), userId));
        String directoryId = text(data, "directory_id");
        if (directoryId == null) {
            directoryId = text(group, "directory_id");
        }
        membersOfGroup.computeIfAbsent(groupId, g -> new HashMap<>()).put(userId, directoryId);
        groupsOfUser.computeIfAbsent(userId, u -> new LinkedHashSet<>()).add(groupId);
    }

    private void removeMembership(String groupId, String userId) {
        Map<String, String> members = membersOfGroup.get(groupId);
        if (members != null && members.remove(userId) != null) {
            if (members.isEmpty()) {
                membersOfGroup.remove(groupId);
            }
            unindexUserGroup(userId, groupId);
        }
    }

    private void unindexUserGroup(String userId, String groupId) {
        Set<String> of = groupsOfUser.get(userId);
        if (of != null) {
            of.remove(groupId);
            if (of.isEmpty()) {
                groupsOfUser.remove(userId);
            }
        }
    }

    private static void unindex(Map<String, NavigableSet<Key>> index, String directoryId, Key key) {
        NavigableSet<Key> set = index.get(directoryId);
        if (set != null && key != null) {
            set.remove(key);
        }
    }

    private Key key(String id, JsonNode data) {
        Key key = new Key(createdAt(data), id);
        keys.put(id, key);
        return key;
    }

    private static Instant createdAt(JsonNode data) {
        return EventTimes.parse(text(data, "created_at")).orElse(Instant.EPOCH);
    }

    /** A user's or group's stored form: the event data without the event-only and REST-only fields. */
    private static ObjectNode stored(JsonNode data) {
        ObjectNode copy = data.deepCopy();
        copy.remove("previous_attributes");
        copy.remove("groups");
        return copy;
    }

    private void requireDirectory(String directoryId) throws NotFound {
        if (!directories.containsKey(directoryId) && !usersByDirectory.containsKey(directoryId)
                && !groupsByDirectory.containsKey(directoryId)) {
            throw new NotFound("Directory not found: '" + directoryId + "'.");
        }
    }

    // ---- rendering ----

    /** The event state vocabulary in REST terms: {@code active} is {@code linked}, {@code inactive} {@code unlinked}. */
    public static String restState(String eventState) {
        if (eventState == null) {
            return null;
        }
        return switch (eventState) {
            case "active" -> "linked";
            case "inactive" -> "unlinked";
            default -> eventState;
        };
    }

    private static ObjectNode restDirectory(ObjectNode d) {
        ObjectNode rest = EventParser.MAPPER.createObjectNode().put("object", "directory");
        rest.put("id", text(d, "id"));
        rest.put("organization_id", text(d, "organization_id"));
        rest.put("external_key", text(d, "external_key"));
        rest.put("type", text(d, "type"));
        rest.put("state", restState(text(d, "state")));
        rest.put("name", text(d, "name"));
        String domain = text(d, "domain");
        JsonNode first = d.path("domains").path(0);
        if (domain == null && !first.isMissingNode()) {
            domain = first.isTextual() ? first.asText() : text(first, "domain");
        }
        if (domain != null) {
            rest.put("domain", domain);
        }
        rest.put("created_at", text(d, "created_at"));
        rest.put("updated_at", text(d, "updated_at"));
        return rest;
    }

    private ObjectNode restUser(ObjectNode u, boolean withGroups) {
        ObjectNode rest = EventParser.MAPPER.createObjectNode().put("object", "directory_user");
        u.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("object")) {
                rest.set(f.getKey(), f.getValue().deepCopy());
            }
        });
        ArrayNode list = rest.putArray("groups");
        if (withGroups) {
            for (Key g : sorted(groupsOfUser.getOrDefault(text(u, "id"), Set.of()))) {
                list.add(restGroup(groups.get(g.id())));
            }
        }
        return rest;
    }

    private static ObjectNode restGroup(ObjectNode g) {
        ObjectNode rest = EventParser.MAPPER.createObjectNode().put("object", "directory_group");
        g.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("object")) {
                rest.set(f.getKey(), f.getValue().deepCopy());
            }
        });
        return rest;
    }

    // ---- paging ----

    /** The ids in {@code ids} that the world holds (as users or groups), in (created_at, id) order. */
    private NavigableSet<Key> sorted(Set<String> ids) {
        NavigableSet<Key> set = new TreeSet<>();
        for (String id : ids) {
            if ((users.containsKey(id) || groups.containsKey(id)) && keys.containsKey(id)) {
                set.add(keys.get(id));
            }
        }
        return set;
    }

    private static NavigableSet<Key> filtered(NavigableSet<Key> all, Predicate<Key> keep) {
        NavigableSet<Key> set = new TreeSet<>();
        all.stream().filter(keep).forEach(set::add);
        return set;
    }

    /**
     * One page of {@code all} per WorkOS's rules: {@code asc} oldest first, {@code desc} newest first, {@code normal}
     * newest first with the cursors swapped ({@code before} goes to older records, {@code after} to newer ones).
     */
    private Page page(NavigableSet<Key> all, PageRequest request, java.util.function.Function<Key, ObjectNode> render)
            throws UnknownCursor {
        boolean normal = request.order().equals("normal");
        NavigableSet<Key> line = request.order().equals("asc") ? all : all.descendingSet();
        String forward = normal ? request.before() : request.after();
        String backward = normal ? request.after() : request.before();
        List<Key> page = new ArrayList<>();
        if (backward != null) {
            Key at = cursor(backward, normal ? "after" : "before");
            Iterator<Key> it = line.headSet(at, false).descendingIterator();
            while (it.hasNext() && page.size() < request.limit()) {
                page.add(it.next());
            }
            Collections.reverse(page);
        } else {
            NavigableSet<Key> from = forward == null ? line : line.tailSet(cursor(forward, normal ? "before" : "after"), false);
            Iterator<Key> it = from.iterator();
            while (it.hasNext() && page.size() < request.limit()) {
                page.add(it.next());
            }
        }
        boolean moreForward = !page.isEmpty() && line.higher(page.getLast()) != null;
        boolean moreBackward = !page.isEmpty() && line.lower(page.getFirst()) != null;
        String first = page.isEmpty() ? null : page.getFirst().id();
        String last = page.isEmpty() ? null : page.getLast().id();
        List<ObjectNode> data = page.stream().map(render).toList();
        return normal
                ? new Page(data, moreForward ? last : null, moreBackward ? first : null)
                : new Page(data, moreBackward ? first : null, moreForward ? last : null);
    }

    private Key cursor(String id, String field) throws UnknownCursor {
        Key key = keys.get(id);
        if (key == null) {
            throw new UnknownCursor(field);
        }
        return key;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    private static String require(JsonNode node, String field) {
        String value = text(node, field);
        if (value == null) {
            throw new IllegalArgumentException("event data has no " + field);
        }
        return value;
    }
}
