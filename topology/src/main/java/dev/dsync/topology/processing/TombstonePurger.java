package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.PURGED;

import dev.dsync.topology.TopologyMetrics;
import dev.dsync.topology.state.EntityRecord;
import dev.dsync.topology.state.EventKey;
import dev.dsync.topology.state.MembershipRecord;
import dev.dsync.topology.state.StateKeys;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Forgets tombstone markers and deletion barriers once they are older than the retention, so that state does not
 * grow with every user ever deleted. Past the retention WorkOS no longer retries the events they guard against.
 *
 * <p>It reads the expiry index, which is ordered by marker time, so a run costs what is due, not the size of the
 * state. An index entry is only a hint: the row is purged only if its marker is still the one the entry was
 * written for (a later delete or a resurrection rewrites it, with an entry of its own).
 *
 * <p>What it forgets it folds into the directory's purge horizon (one small record per directory), which
 * {@link DirectoryState} consults for anything it has no record of: so deletions stay deleted after the purge,
 * and state stays bounded by what lives plus one horizon per directory.
 */
public final class TombstonePurger {

    /** Bounds the work of one punctuation; the rest waits for the next one. */
    static final int MAX_PER_RUN = 20_000;

    private final KeyValueStore<String, EntityRecord> directories;
    private final KeyValueStore<String, EntityRecord> users;
    private final KeyValueStore<String, EntityRecord> groups;
    private final KeyValueStore<String, MembershipRecord> memberships;
    private final KeyValueStore<String, byte[]> expiry;
    private final KeyValueStore<String, EventKey> horizons;
    private final long retentionMs;
    private final TopologyMetrics metrics;

    TombstonePurger(DirectoryStores stores, Duration retention, TopologyMetrics metrics) {
        this.directories = stores.directories();
        this.users = stores.users();
        this.groups = stores.groups();
        this.memberships = stores.memberships();
        this.expiry = stores.expiry();
        this.horizons = stores.horizons();
        this.retentionMs = retention.toMillis();
        this.metrics = metrics;
    }

    /** Purges what expired by {@code nowMs}; returns how many index entries were processed. */
    public int purge(long nowMs) {
        List<String> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it =
                     expiry.range(StateKeys.EXPIRY_START, StateKeys.expiryUpTo(nowMs - retentionMs))) {
            while (it.hasNext() && due.size() < MAX_PER_RUN) {
                due.add(it.next().key);
            }
        }
        for (String entryKey : due) {
            StateKeys.ExpiryEntry entry = StateKeys.parseExpiry(entryKey);
            switch (entry.store()) {
                case 'D' -> purgeEntity(directories, entry);
                case 'U' -> purgeEntity(users, entry);
                case 'G' -> purgeEntity(groups, entry);
                case 'M' -> purgeMembership(entry);
                default -> { }
            }
            expiry.delete(entryKey);
        }
        return due.size();
    }

    private void purgeEntity(KeyValueStore<String, EntityRecord> store, StateKeys.ExpiryEntry entry) {
        EntityRecord r = store.get(entry.storeKey());
        if (r == null || r.markerAtMs() != entry.markerAtMs()) {
            return;
        }
        String dir = StateKeys.parts(entry.storeKey())[0];
        // a live row keeps its version: only its barrier is forgotten
        raiseHorizon(dir, r.deleted() ? EventKey.max(r.version().eventKey(), r.barrier()) : r.barrier());
        if (r.deleted()) {
            store.delete(entry.storeKey());
        } else {
            store.put(entry.storeKey(), r.withBarrier(null, 0));
        }
        metrics.increment(PURGED);
    }

    private void raiseHorizon(String directoryId, EventKey forgotten) {
        EventKey current = horizons.get(directoryId);
        if (forgotten != null && forgotten.isAfter(current)) {
            horizons.put(directoryId, forgotten);
        }
    }

    private void purgeMembership(StateKeys.ExpiryEntry entry) {
        MembershipRecord r = memberships.get(entry.storeKey());
        if (r == null || r.present() || r.markerAtMs() != entry.markerAtMs()) {
            return;
        }
        String[] parts = StateKeys.parts(entry.storeKey());
        raiseHorizon(parts[0], r.version());
        memberships.delete(entry.storeKey());
        metrics.increment(PURGED);
    }
}
