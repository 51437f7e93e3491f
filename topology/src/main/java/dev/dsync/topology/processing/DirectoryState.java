package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.BEHIND_HORIZON;
import static dev.dsync.topology.TopologyMetrics.Counter.EMITTED;

import dev.dsync.topology.InactiveUserPolicy;
import dev.dsync.topology.TopologyMetrics;
import dev.dsync.topology.state.EntityRecord;
import dev.dsync.topology.state.EventKey;
import dev.dsync.topology.state.MembershipRecord;
import dev.dsync.topology.state.StateKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The state rules: versions, last-writer-wins, tombstones, deletion barriers and cascades, over the stores of the
 * directories one task owns.
 *
 * <p>The rules are chosen so that the final state depends only on the set of events received, not on their order
 * (given that WorkOS's own versions of one entity grow with event time):
 * <ul>
 *   <li>a directory, user or group is the event with the highest {@link dev.dsync.topology.state.Version};</li>
 *   <li>each delete raises a <em>barrier</em> to its event time, even a delete that loses on version: every
 *       membership of a deleted user or group, and everything of a deleted directory, that is not newer than the
 *       barrier is dropped, and such events arriving later are ignored;</li>
 *   <li>a membership is the newest of its {@code user_added}/{@code user_removed} events above every barrier;</li>
 *   <li>a directory's deletion also removes the directory row itself when that row's event is not newer than
 *       the deletion, exactly as the barrier would have kept it out had the deletion come first;</li>
 *   <li>when the purger forgets a tombstone, marker or barrier, it raises the directory's <em>purge horizon</em> to
 *       it: an event for something the stores hold no record of, not newer than the horizon, is ignored. So a
 *       re-delivery of a deleted user's creation, however late, finds the same answer as when the marker
 *       was still there.</li>
 * </ul>
 * Membership events do not touch the user and group rows: their embedded objects carry an {@code updated_at}
 * that membership changes do not bump, so they could only ever repeat what the user and group events say.
 */
public final class DirectoryState {

    static final byte[] PRESENT = {1};
    /** Directories remembered by {@link #recent}; a task rarely owns more. */
    static final int MAX_RECENT = 4096;
    private static final StringSerializer KEYS = new StringSerializer();

    private final KeyValueStore<String, EntityRecord> directories;
    private final KeyValueStore<String, EntityRecord> users;
    private final KeyValueStore<String, EntityRecord> groups;
    private final KeyValueStore<String, MembershipRecord> memberships;
    private final KeyValueStore<String, byte[]> expiry;
    private final KeyValueStore<String, EventKey> horizons;
    private final SeenEvents seen;
    private final InactiveUserPolicy inactiveUsers;
    private final LongSupplier wallClock;
    private final ChangeLog changeLog;
    private final TopologyMetrics metrics;
    /**
     * Per directory, its record and its purge horizon as last read or written here. Every event reads both and
     * almost none changes them, so this saves two store reads per event. The purger, the only other writer, runs
     * on this thread and calls {@link #forgetRecent} when it is done.
     */
    private final Map<String, Optional<EntityRecord>> recentDirectories = new HashMap<>();
    private final Map<String, Optional<EventKey>> recentHorizons = new HashMap<>();
    /** Per directory, whether a user or group of it has a barrier ({@link #hasMemberBarriers}). */
    private final Map<String, Boolean> memberBarriers = new HashMap<>();

    DirectoryState(DirectoryStores stores, SeenEvents seen, InactiveUserPolicy inactiveUsers, LongSupplier wallClock,
                   ChangeLog changeLog, TopologyMetrics metrics) {
        this.directories = stores.directories();
        this.users = stores.users();
        this.groups = stores.groups();
        this.memberships = stores.memberships();
        this.expiry = stores.expiry();
        this.horizons = stores.horizons();
        this.seen = seen;
        this.inactiveUsers = inactiveUsers;
        this.wallClock = wallClock;
        this.changeLog = changeLog;
        this.metrics = metrics;
    }

    /** What became of an event. */
    public enum Outcome {
        /** It changed state (whether or not that changed a change-log row). */
        APPLIED,
        /** It changed nothing: older than what it would have changed, or than a deletion barrier. */
        STALE,
        /** It changed nothing because it was taken in before: a second copy, which WorkOS may deliver. */
        DUPLICATE
    }

    /**
     * Applies one event. A copy of an event noted in {@link SeenEvents} is a duplicate and does not reach the rules.
     * One that the rules find changes nothing is a duplicate when the stores still show it (it set the version or
     * barrier they hold); otherwise it is stale, and noted for its next copy.
     */
    public Outcome apply(DsyncEvent event) {
        String dir = event.meta().directoryId();
        String id = event.meta().eventId();
        // Checked first, as the dedupe step used to: a copy of an event the stores no longer show must not meet the
        // rules again, where a delivery order that breaks WorkOS's version-grows-with-time promise could let it in.
        // An event the stores show cannot: it meets its own version or barrier.
        if (seen.contains(dir, id, wallClock.getAsLong())) {
            return Outcome.DUPLICATE;
        }
        if (applyRules(event)) {
            return Outcome.APPLIED;
        }
        if (shownByStores(event)) {
            return Outcome.DUPLICATE;
        }
        seen.remember(dir, id, wallClock.getAsLong());
        return Outcome.STALE;
    }

    /** False when the event was stale and changed nothing. */
    private boolean applyRules(DsyncEvent event) {
        String dir = event.meta().directoryId();
        EntityRecord directory = recent(recentDirectories, directories, dir);
        EventKey directoryBarrier = directory == null ? null : directory.barrier();
        if (!event.meta().key().isAfter(directoryBarrier)) {
            return false;
        }
        return switch (event) {
            case EntityEvent e when e.kind() == EntityKind.DIRECTORY -> applyDirectory(e, directory);
            case EntityEvent e -> applyMember(e, e.kind() == EntityKind.USER ? users : groups);
            case MembershipEvent e -> applyMembership(e, directoryBarrier);
        };
    }

    /**
     * True when nothing is stored for what {@code e} is about and {@code e} is not newer than what the purger
     * forgot for its directory: it may be a re-delivery of something deleted long ago, so it must not create state.
     */
    private boolean behindHorizon(DsyncEvent e, Object current) {
        if (current != null) {
            return false;
        }
        EventKey horizon = recent(recentHorizons, horizons, e.meta().directoryId());
        if (horizon == null || e.meta().key().isAfter(horizon)) {
            return false;
        }
        metrics.increment(BEHIND_HORIZON);
        return true;
    }

    private boolean applyDirectory(EntityEvent e, EntityRecord current) {
        String dir = e.meta().directoryId();
        if (behindHorizon(e, current)) {
            return false;
        }
        if (!e.deleted()) {
            if (!e.version().isNewerThan(current == null ? null : current.version())) {
                return false;
            }
            put(EntityKind.DIRECTORY, dir, dir, dir, current, EntityRecord.live(e.version(), e.value(), current),
                    e.summary());
            return true;
        }
        // apply() let this through only because it is after the current barrier, so it raises it.
        long now = wallClock.getAsLong();
        EventKey barrier = e.meta().key();
        cascadeDirectory(dir, barrier);
        // A live row whose event the deletion follows goes too, even if it wins on updated_at (an activation
        // without one): had the deletion come first, its barrier would have kept that event out.
        boolean covered = current != null && !current.deleted() && !current.version().eventKey().isAfter(barrier);
        EntityRecord next = covered || e.version().isNewerThan(current == null ? null : current.version())
                ? EntityRecord.tombstone(e.version(), barrier, now)
                : current.withBarrier(barrier, now);
        put(EntityKind.DIRECTORY, dir, dir, dir, current, next, null);
        expiry.put(StateKeys.expiry(now, EntityKind.DIRECTORY.tag, dir), PRESENT);
        return true;
    }

    private boolean applyMember(EntityEvent e, KeyValueStore<String, EntityRecord> store) {
        String dir = e.meta().directoryId();
        String key = StateKeys.entity(dir, e.entityId());
        EntityRecord current = store.get(key);
        if (behindHorizon(e, current)) {
            return false;
        }
        boolean delete = e.deleted()
                || (e.kind() == EntityKind.USER && e.inactive() && inactiveUsers == InactiveUserPolicy.DELETE);
        boolean newer = e.version().isNewerThan(current == null ? null : current.version());
        if (!delete) {
            if (!newer) {
                return false;
            }
            put(e.kind(), dir, key, e.entityId(), current, EntityRecord.live(e.version(), e.value(), current),
                    e.summary());
            return true;
        }
        EventKey barrier = current == null ? null : current.barrier();
        boolean raisesBarrier = e.meta().key().isAfter(barrier);
        if (!newer && !raisesBarrier) {
            return false;
        }
        long now = wallClock.getAsLong();
        EventKey nextBarrier = EventKey.max(barrier, e.meta().key());
        EntityRecord next = newer ? EntityRecord.tombstone(e.version(), nextBarrier, now)
                : current.withBarrier(nextBarrier, now);
        put(e.kind(), dir, key, e.entityId(), current, next, null);
        expiry.put(StateKeys.expiry(now, e.kind().tag, key), PRESENT);
        if (raisesBarrier) {
            if (e.kind() == EntityKind.USER) {
                cascadeUser(dir, e.entityId(), nextBarrier);
            } else {
                cascadeGroup(dir, e.entityId(), nextBarrier);
            }
        }
        return true;
    }

    private boolean applyMembership(MembershipEvent e, EventKey directoryBarrier) {
        String dir = e.meta().directoryId();
        EventKey barrier = directoryBarrier;
        if (hasMemberBarriers(dir)) {
            EntityRecord group = groups.get(StateKeys.entity(dir, e.groupId()));
            EntityRecord user = users.get(StateKeys.entity(dir, e.userId()));
            barrier = EventKey.max(barrier,
                    EventKey.max(group == null ? null : group.barrier(), user == null ? null : user.barrier()));
        }
        if (!e.meta().key().isAfter(barrier)) {
            return false;
        }
        String key = StateKeys.membership(dir, e.groupId(), e.userId());
        MembershipRecord current = memberships.get(key);
        if (current != null && !e.meta().key().isAfter(current.version())) {
            return false;
        }
        if (behindHorizon(e, current)) {
            return false;
        }
        MembershipRecord next;
        if (e.present()) {
            next = MembershipRecord.present(e.meta().key(), e.value());
        } else {
            long now = wallClock.getAsLong();
            next = MembershipRecord.absent(e.meta().key(), now);
            expiry.put(StateKeys.expiry(now, 'M', key), PRESENT);
        }
        memberships.put(key, next); // and its entry in the store's by-user index (MembershipsStore)
        replaced(dir, current, next);
        emitIfChanged(ChangeLog.Entity.membership(e.groupId(), e.userId()), MembershipRecord.rendered(current),
                MembershipRecord.rendered(next), e.present() ? e.summary() : null, false);
        return true;
    }

    /** Drops every row of the directory that is not newer than the deletion, with a tombstone for each live one. */
    private void cascadeDirectory(String dir, EventKey barrier) {
        String prefix = StateKeys.directoryPrefix(dir);
        cascadeEntities(EntityKind.USER, users, dir, barrier);
        cascadeEntities(EntityKind.GROUP, groups, dir, barrier);
        for (KeyValue<String, MembershipRecord> m : scan(memberships, prefix)) {
            if (!m.value.version().isAfter(barrier)) {
                String[] parts = StateKeys.parts(m.key);
                removeMembership(dir, parts[1], parts[2], m.value);
            }
        }
    }

    private void cascadeEntities(EntityKind kind, KeyValueStore<String, EntityRecord> store, String dir,
                                 EventKey barrier) {
        for (KeyValue<String, EntityRecord> row : scan(store, StateKeys.directoryPrefix(dir))) {
            EntityRecord r = row.value;
            if (!r.version().eventKey().isAfter(barrier)) {
                store.delete(row.key);
                replaced(dir, r, null);
                emitIfChanged(ChangeLog.Entity.of(kind, StateKeys.lastPart(row.key)), r.value(), null, null, true);
            } else if (r.barrier() != null && !r.barrier().isAfter(barrier)) {
                // The directory's barrier now covers it; keeping the older one would only make stores differ
                // between delivery orders.
                EntityRecord next = r.withBarrier(null, 0);
                store.put(row.key, next);
                replaced(dir, r, next);
            }
        }
    }

    private void cascadeGroup(String dir, String groupId, EventKey barrier) {
        for (KeyValue<String, MembershipRecord> m : scan(memberships, StateKeys.childPrefix(dir, groupId))) {
            if (!m.value.version().isAfter(barrier)) {
                removeMembership(dir, groupId, StateKeys.lastPart(m.key), m.value);
            }
        }
    }

    private void cascadeUser(String dir, String userId, EventKey barrier) {
        for (KeyValue<String, MembershipRecord> m : scan(memberships, StateKeys.userMembershipsPrefix(dir, userId))) {
            if (!m.value.version().isAfter(barrier)) {
                removeMembership(dir, StateKeys.lastPart(m.key), userId, m.value);
            }
        }
    }

    private void removeMembership(String dir, String groupId, String userId, MembershipRecord current) {
        memberships.delete(StateKeys.membership(dir, groupId, userId));
        replaced(dir, current, null);
        emitIfChanged(ChangeLog.Entity.membership(groupId, userId), current.value(), null, null, true);
    }

    /** @param summary what a provisioning record needs of {@code next}'s value when it is the event's, else null */
    private void put(EntityKind kind, String dir, String storeKey, String id, EntityRecord current, EntityRecord next,
                     ValueSummary summary) {
        KeyValueStore<String, EntityRecord> store = switch (kind) {
            case DIRECTORY -> directories;
            case USER -> users;
            case GROUP -> groups;
        };
        store.put(storeKey, next);
        replaced(dir, current, next);
        if (kind == EntityKind.DIRECTORY) {
            recentDirectories.put(storeKey, Optional.of(next));
        } else if (next.barrier() != null) {
            memberBarriers.put(dir, true);
        }
        emitIfChanged(ChangeLog.Entity.of(kind, id), EntityRecord.rendered(current), EntityRecord.rendered(next),
                summary, false);
    }

    /** Whether the stores show the event: it set what the record holds, or what an entity's record holds. */
    private boolean shownByStores(DsyncEvent event) {
        String dir = event.meta().directoryId();
        String id = event.meta().eventId();
        return switch (event) {
            case EntityEvent e when e.kind() == EntityKind.DIRECTORY -> shows(recent(recentDirectories, directories,
                    dir), id);
            case EntityEvent e -> shows((e.kind() == EntityKind.USER ? users : groups)
                    .get(StateKeys.entity(dir, e.entityId())), id);
            case MembershipEvent e -> shows(memberships.get(StateKeys.membership(dir, e.groupId(), e.userId())), id);
        };
    }

    private static boolean shows(EntityRecord r, String eventId) {
        return r != null && (r.version().eventId().equals(eventId)
                || (r.barrier() != null && r.barrier().eventId().equals(eventId)));
    }

    private static boolean shows(MembershipRecord r, String eventId) {
        return r != null && r.version().eventId().equals(eventId);
    }

    /** Notes in {@link SeenEvents} the events {@code was} showed and {@code next} (null: removed) no longer does. */
    private void replaced(String dir, EntityRecord was, EntityRecord next) {
        if (was == null) {
            return;
        }
        String versionId = was.version().eventId();
        if (!shows(next, versionId)) {
            seen.remember(dir, versionId, wallClock.getAsLong());
        }
        if (was.barrier() != null && !was.barrier().eventId().equals(versionId)
                && !shows(next, was.barrier().eventId())) {
            seen.remember(dir, was.barrier().eventId(), wallClock.getAsLong());
        }
    }

    private void replaced(String dir, MembershipRecord was, MembershipRecord next) {
        if (was != null && !shows(next, was.version().eventId())) {
            seen.remember(dir, was.version().eventId(), wallClock.getAsLong());
        }
    }

    private void emitIfChanged(ChangeLog.Entity entity, String before, String after, ValueSummary afterSummary,
                               boolean cascade) {
        if (!Objects.equals(before, after)) {
            changeLog.emit(entity, before, after, afterSummary, cascade);
            metrics.increment(EMITTED);
        }
    }

    /**
     * Whether any user or group of the directory has a barrier, which a membership event must then be checked
     * against. Until the first deletion nobody has one (an initial sync, three quarters of whose events are
     * memberships), and two store reads per membership event are saved. Learnt by one scan of the directory's users
     * and groups the first time this task needs it, then kept up to date by {@link #put}; the purger only ever
     * removes barriers, so what is remembered can only be too cautious.
     */
    private boolean hasMemberBarriers(String dir) {
        Boolean known = memberBarriers.get(dir);
        if (known == null) {
            // not bounded like the caches above: a miss here costs a scan of the directory, not one read, and an
            // entry is one flag per directory the task owns
            String prefix = StateKeys.directoryPrefix(dir);
            known = anyBarrier(users, prefix) || anyBarrier(groups, prefix);
            memberBarriers.put(dir, known);
        }
        return known;
    }

    private static boolean anyBarrier(KeyValueStore<String, EntityRecord> store, String prefix) {
        try (KeyValueIterator<String, EntityRecord> it = store.prefixScan(prefix, KEYS)) {
            while (it.hasNext()) {
                if (it.next().value.barrier() != null) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Forgets what {@link #recent} remembers: to be called after anything else wrote the stores. */
    void forgetRecent() {
        recentDirectories.clear();
        recentHorizons.clear();
    }

    private static <V> V recent(Map<String, Optional<V>> recent, KeyValueStore<String, V> store, String key) {
        Optional<V> known = recent.get(key);
        if (known == null) {
            if (recent.size() >= MAX_RECENT) {
                recent.clear();
            }
            known = Optional.ofNullable(store.get(key));
            recent.put(key, known);
        }
        return known.orElse(null);
    }

    /** Reads a prefix fully before anything is changed, so that no write can disturb the open iterator. */
    private static <V> List<KeyValue<String, V>> scan(KeyValueStore<String, V> store, String prefix) {
        List<KeyValue<String, V>> rows = new ArrayList<>();
        try (KeyValueIterator<String, V> it = store.prefixScan(prefix, KEYS)) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }
}
