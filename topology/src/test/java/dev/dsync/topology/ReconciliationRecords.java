package dev.dsync.topology;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventTimes;
import dev.dsync.workos.reconcile.Drift;
import java.time.Instant;
import java.util.Random;

/**
 * Records of {@code dsync.reconciliations} built the way {@code Reconciler} builds them (its per-directory record is
 * written from a private method, so the contract tests rebuild it field by field; keep the two in step).
 */
public final class ReconciliationRecords {

    private ReconciliationRecords() {
    }

    /** {@code Reconciler.newId()}: {@code rec_} + 13 hex digits of epoch millis + 8 random hex digits. */
    public static String newId(Instant at, Random random) {
        return "rec_%013x%08x".formatted(at.toEpochMilli(), random.nextInt());
    }

    /** The value {@code Reconciler} writes for one directory of a completed run. */
    public static ObjectNode record(String reconciliationId, String directoryId, String organizationId, String trigger,
                                    Instant started, Instant completed, Drift drift, long repaired) {
        ObjectNode record = JsonNodeFactory.instance.objectNode();
        record.put("reconciliation_id", reconciliationId);
        record.put("directory_id", directoryId);
        record.put("organization_id", organizationId);
        record.put("trigger", trigger);
        record.put("started_at", EventTimes.format(started));
        record.put("completed_at", EventTimes.format(completed));
        record.put("status", "completed");
        record.set("drift", drift.toJson());
        record.put("drift_total", drift.total());
        record.put("repaired", repaired);
        return record;
    }

    /**
     * A drift with something in every kind and direction, more of one than the examples keep, membership ids as
     * {@code MirrorSnapshot.membershipId} makes them.
     */
    public static Drift busyDrift(String prefix) {
        Drift drift = new Drift();
        drift.add(Drift.Kind.DIRECTORIES, Drift.Direction.DIFFERENT, prefix + "directory");
        for (int i = 0; i < Drift.EXAMPLES + 20; i++) {
            drift.add(Drift.Kind.USERS, Drift.Direction.MISSING, prefix + "directory_user_m" + i);
        }
        drift.add(Drift.Kind.USERS, Drift.Direction.EXTRA, prefix + "directory_user_x");
        drift.add(Drift.Kind.USERS, Drift.Direction.DIFFERENT, prefix + "directory_user_d");
        drift.add(Drift.Kind.GROUPS, Drift.Direction.MISSING, prefix + "directory_group_m");
        drift.add(Drift.Kind.GROUPS, Drift.Direction.EXTRA, prefix + "directory_group_x");
        drift.add(Drift.Kind.MEMBERSHIPS, Drift.Direction.MISSING,
                dev.dsync.workos.reconcile.MirrorSnapshot.membershipId(prefix + "directory_group_m",
                        prefix + "directory_user_m0"));
        drift.add(Drift.Kind.MEMBERSHIPS, Drift.Direction.EXTRA,
                dev.dsync.workos.reconcile.MirrorSnapshot.membershipId(prefix + "directory_group_x",
                        prefix + "directory_user_x"));
        return drift;
    }
}
