package dev.dsync.workos.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.workos.WorkosApiException;
import dev.dsync.workos.WorkosUnavailableException;
import dev.dsync.workos.reconcile.Drift.Direction;
import dev.dsync.workos.reconcile.Drift.Kind;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Compares one directory as WorkOS lists it with the mirror's copy, and writes a repair for every difference as the
 * listing goes (so a bootstrap fills the mirror while it pages).
 *
 * <ul>
 *   <li>What WorkOS lists and the mirror lacks, or holds in an older or different form, is repaired with an upsert
 *       event. The mirror being <em>newer</em> than the page (an event applied after the page was read) is not
 *       drift.</li>
 *   <li>What the mirror holds and the listing never showed is deleted, but only if the mirror's row comes from an
 *       event older than the start of that listing: a row created while the listing ran may simply have been
 *       created behind the listing's cursor. The deletion event carries that start time as its version, so the
 *       topology's guards apply the same rule again against whatever arrived since.</li>
 * </ul>
 */
final class DirectoryReconciliation {

    /** Checks that the run may go on (still the leader, not closing); throws to stop it. */
    interface Guard {
        void check() throws InterruptedException;
    }

    private final DirectorySyncApi api;
    private final RepairEvents repairs;
    private final Consumer<ProducerRecord<String, byte[]>> out;
    private final Guard guard;
    /** Under the topology's "delete" policy an inactive user (and its memberships) is not expected in the mirror. */
    private final boolean inactiveUsersDeleted;
    private final Drift drift = new Drift();
    private long repaired;
    private String organizationId;

    DirectoryReconciliation(DirectorySyncApi api, RepairEvents repairs, Consumer<ProducerRecord<String, byte[]>> out,
                            Guard guard, boolean inactiveUsersDeleted) {
        this.inactiveUsersDeleted = inactiveUsersDeleted;
        this.api = api;
        this.repairs = repairs;
        this.out = out;
        this.guard = guard;
    }

    Drift drift() {
        return drift;
    }

    long repaired() {
        return repaired;
    }

    String organizationId() {
        return organizationId;
    }

    /** A directory WorkOS lists. */
    void reconcile(JsonNode rest, Instant listedAt, MirrorSnapshot.Directory mirror) throws WorkosApiException,
            WorkosUnavailableException, InterruptedException {
        String dir = Canonical.text(rest, "id");
        organizationId = Canonical.text(rest, "organization_id");
        MirrorSnapshot.Row row = mirror.directory;
        if (row == null) {
            drift.add(Kind.DIRECTORIES, Direction.MISSING, dir);
            repair(repairs.directory(rest, null, listedAt));
        } else if (differs(Canonical.directory(rest), rest, row)) {
            drift.add(Kind.DIRECTORIES, Direction.DIFFERENT, dir);
            repair(repairs.directory(rest, row.json(), listedAt));
        }

        Instant groupsFrom = Instant.now();
        Map<String, JsonNode> groups = new HashMap<>();
        api.groups(dir, page -> {
            guard.check();
            for (JsonNode g : page.data()) {
                String id = Canonical.text(g, "id");
                if (id == null || groups.putIfAbsent(id, g) != null) {
                    continue;
                }
                MirrorSnapshot.Row m = mirror.groups.get(id);
                if (m == null) {
                    drift.add(Kind.GROUPS, Direction.MISSING, id);
                    repair(repairs.group(dir, g, true, page.requestedAt()));
                } else if (differs(Canonical.group(g), g, m)) {
                    drift.add(Kind.GROUPS, Direction.DIFFERENT, id);
                    repair(repairs.group(dir, g, false, page.requestedAt()));
                }
            }
        });

        Instant usersFrom = Instant.now();
        Set<String> users = new HashSet<>();
        Set<String> memberships = new HashSet<>();
        boolean[] groupsOnUsers = {false};
        api.users(dir, page -> {
            guard.check();
            for (JsonNode u : page.data()) {
                String id = Canonical.text(u, "id");
                if (id == null || excluded(u) || !users.add(id)) {
                    continue;
                }
                MirrorSnapshot.Row m = mirror.users.get(id);
                if (m == null) {
                    drift.add(Kind.USERS, Direction.MISSING, id);
                    repair(repairs.user(dir, u, true, page.requestedAt()));
                } else if (differs(Canonical.user(u), u, m)) {
                    drift.add(Kind.USERS, Direction.DIFFERENT, id);
                    repair(repairs.user(dir, u, false, page.requestedAt()));
                }
                JsonNode ofUser = u.path("groups");
                for (JsonNode g : ofUser) {
                    groupsOnUsers[0] = true;
                    JsonNode group = groups.getOrDefault(Canonical.text(g, "id"), g);
                    membership(dir, u, group, memberships, mirror, page.requestedAt());
                }
            }
        });
        Instant membershipsFrom = usersFrom;
        if (!groupsOnUsers[0] && !groups.isEmpty() && !users.isEmpty()) {
            // WorkOS no longer fills users' groups for newer teams: ask each group for its members instead.
            membershipsFrom = Instant.now();
            for (JsonNode g : groups.values()) {
                api.members(dir, Canonical.text(g, "id"), page -> {
                    guard.check();
                    for (JsonNode u : page.data()) {
                        if (!excluded(u)) {
                            membership(dir, u, g, memberships, mirror, page.requestedAt());
                        }
                    }
                });
            }
        }

        for (var e : mirror.groups.entrySet()) {
            if (!groups.containsKey(e.getKey()) && before(e.getValue(), groupsFrom)) {
                drift.add(Kind.GROUPS, Direction.EXTRA, e.getKey());
                repair(repairs.groupDeleted(dir, e.getKey(), organizationId, groupsFrom));
            }
        }
        for (var e : mirror.users.entrySet()) {
            if (!users.contains(e.getKey()) && before(e.getValue(), usersFrom)) {
                drift.add(Kind.USERS, Direction.EXTRA, e.getKey());
                repair(repairs.userDeleted(dir, e.getKey(), organizationId, usersFrom));
            }
        }
        for (var e : mirror.memberships.entrySet()) {
            if (!memberships.contains(e.getKey()) && before(e.getValue(), membershipsFrom)) {
                drift.add(Kind.MEMBERSHIPS, Direction.EXTRA, e.getKey());
                String[] ids = e.getKey().split("/", 2);
                repair(repairs.membershipRemoved(dir, ids[0], ids[1], organizationId, membershipsFrom));
            }
        }
    }

    /** A directory the mirror holds and WorkOS does not list (any more). */
    void remove(String directoryId, MirrorSnapshot.Directory mirror, Instant listingFrom) {
        MirrorSnapshot.Row row = mirror.directory;
        organizationId = row == null ? null : Canonical.text(row.json(), "organization_id");
        boolean older = row == null ? mirror.users.values().stream().allMatch(r -> before(r, listingFrom))
                && mirror.groups.values().stream().allMatch(r -> before(r, listingFrom))
                : before(row, listingFrom);
        if (!older) {
            return;
        }
        drift.add(Kind.DIRECTORIES, Direction.EXTRA, directoryId);
        mirror.users.keySet().forEach(id -> drift.add(Kind.USERS, Direction.EXTRA, id));
        mirror.groups.keySet().forEach(id -> drift.add(Kind.GROUPS, Direction.EXTRA, id));
        mirror.memberships.keySet().forEach(id -> drift.add(Kind.MEMBERSHIPS, Direction.EXTRA, id));
        // one deletion: the topology's cascade removes everything the directory holds from before it
        repair(repairs.directoryDeleted(directoryId, row == null ? null : row.json(), listingFrom));
    }

    private void membership(String dir, JsonNode user, JsonNode group, Set<String> seen,
                            MirrorSnapshot.Directory mirror, Instant at) {
        String id = MirrorSnapshot.membershipId(Canonical.text(group, "id"), Canonical.text(user, "id"));
        if (Canonical.text(group, "id") == null || !seen.add(id)) {
            return;
        }
        if (!mirror.memberships.containsKey(id)) {
            drift.add(Kind.MEMBERSHIPS, Direction.MISSING, id);
            repair(repairs.membershipAdded(dir, user, group, at));
        }
    }

    private boolean excluded(JsonNode user) {
        String state = Canonical.text(user, "state");
        return inactiveUsersDeleted && ("inactive".equals(state) || "suspended".equals(state));
    }

    /** WorkOS's form differs from the mirror's, and is not older than it (then an event is simply ahead). */
    private static boolean differs(long fingerprint, JsonNode rest, MirrorSnapshot.Row mirror) {
        if (fingerprint == mirror.fingerprint()) {
            return false;
        }
        Instant restUpdated = Canonical.instant(rest, "updated_at").orElse(null);
        return restUpdated == null || mirror.updatedAt() == null || !restUpdated.isBefore(mirror.updatedAt());
    }

    private static boolean before(MirrorSnapshot.Row row, Instant t) {
        return row.lastEventAt() == null || row.lastEventAt().isBefore(t);
    }

    private void repair(ProducerRecord<String, byte[]> record) {
        out.accept(record);
        repaired++;
    }
}
