package dev.dsync.launcher.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The drift a reconciliation must report, per directory: what differs between what the mirror holds and what
 * WorkOS holds. "missing": WorkOS has it, the mirror does not; "extra": the mirror has it, WorkOS does not;
 * "different": both, with different content. Memberships are named {@code <group_id>/<user_id>}.
 */
public final class DriftExpectation {

    /** Report records list at most this many example ids per category. */
    public static final int MAX_EXAMPLES = 100;
    static final List<String> KINDS = List.of("directories", "users", "groups", "memberships");

    /** The drift of one kind of object in one directory. */
    public record Kind(Set<String> missing, Set<String> extra, Set<String> different) {
        static Kind none() {
            return new Kind(new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        }

        public int total() {
            return missing.size() + extra.size() + different.size();
        }

        Set<String> of(String category) {
            return switch (category) {
                case "missing" -> missing;
                case "extra" -> extra;
                default -> different;
            };
        }
    }

    /** The drift of one directory; {@code kinds} is keyed by "directories", "users", "groups", "memberships". */
    public record DirectoryDrift(String directoryId, Map<String, Kind> kinds) {
        public static DirectoryDrift none(String directoryId) {
            Map<String, Kind> kinds = new TreeMap<>();
            KINDS.forEach(k -> kinds.put(k, Kind.none()));
            return new DirectoryDrift(directoryId, kinds);
        }

        public Kind kind(String name) {
            return kinds.get(name);
        }

        public int total() {
            return kinds.values().stream().mapToInt(Kind::total).sum();
        }

        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(directoryId).append(":");
            kinds.forEach((name, k) -> {
                if (k.total() > 0) {
                    text.append(' ').append(name).append(" missing ").append(k.missing()).append(" extra ")
                            .append(k.extra()).append(" different ").append(k.different()).append(';');
                }
            });
            return text.toString();
        }
    }

    private DriftExpectation() {
    }

    /** The drift per directory (only directories with some) between the mirror's state and WorkOS's. */
    public static Map<String, DirectoryDrift> between(ExpectedState mirror, ExpectedState workos) {
        Map<String, DirectoryDrift> drift = new TreeMap<>();
        diff(mirror.expectedDirectories(), workos.expectedDirectories(), "directories",
                SimulatedDirectories.ExpectedDirectory::id, drift);
        diff(mirror.expectedUsers(), workos.expectedUsers(), "users", SimulatedDirectories.ExpectedUser::directoryId, drift);
        diff(mirror.expectedGroups(), workos.expectedGroups(), "groups", SimulatedDirectories.ExpectedGroup::directoryId, drift);
        // a membership belongs to its group's directory (or, failing that, its user's), on either side
        Map<String, String> directoryOf = new HashMap<>();
        for (ExpectedState side : List.of(mirror, workos)) {
            side.expectedUsers().forEach((id, u) -> directoryOf.putIfAbsent(id, u.directoryId()));
            side.expectedGroups().forEach((id, g) -> directoryOf.put(id, g.directoryId()));
        }
        for (String m : mirror.expectedMemberships()) {
            if (!workos.expectedMemberships().contains(m)) {
                add(drift, membershipDirectory(m, directoryOf), "memberships", "extra", membershipId(m));
            }
        }
        for (String m : workos.expectedMemberships()) {
            if (!mirror.expectedMemberships().contains(m)) {
                add(drift, membershipDirectory(m, directoryOf), "memberships", "missing", membershipId(m));
            }
        }
        return drift;
    }

    /**
     * Mismatches between the drift dsync reported for a directory (the {@code drift} and {@code drift_total} of its
     * {@code dsync.reconciliations} record) and the expected one; empty when they agree exactly.
     */
    public static List<String> check(DirectoryDrift expected, JsonNode record) {
        List<String> mismatches = new ArrayList<>();
        String where = "directory " + expected.directoryId() + ": ";
        if (record == null || record.isNull() || record.isMissingNode()) {
            return List.of(where + "no reconciliation record");
        }
        if (!"completed".equals(record.path("status").asText())) {
            mismatches.add(where + "reconciliation status " + record.path("status") + ", expected \"completed\"");
        }
        for (String kind : KINDS) {
            Kind want = expected.kind(kind);
            JsonNode got = record.path("drift").path(kind);
            for (String category : List.of("missing", "extra", "different")) {
                Set<String> ids = want.of(category);
                int count = got.path(category).asInt(-1);
                Set<String> examples = new TreeSet<>();
                got.path("examples").path(category).forEach(n -> examples.add(n.asText()));
                boolean examplesMatch = ids.size() <= MAX_EXAMPLES
                        ? examples.equals(ids)
                        : examples.size() == MAX_EXAMPLES && ids.containsAll(examples);
                if (count != ids.size() || !examplesMatch) {
                    mismatches.add(where + kind + "." + category + ": expected " + ids.size() + " " + abbreviated(ids)
                            + " but dsync reported " + (count < 0 ? "nothing" : count) + " " + abbreviated(examples));
                }
            }
        }
        int total = record.path("drift_total").asInt(-1);
        if (total != expected.total()) {
            mismatches.add(where + "drift_total " + (total < 0 ? "absent" : total) + ", expected " + expected.total());
        }
        return mismatches;
    }

    private static String abbreviated(Set<String> ids) {
        List<String> list = new ArrayList<>(ids);
        return list.size() <= 5 ? list.toString() : list.subList(0, 5) + "…";
    }

    private static String membershipId(String pipeKey) {
        return pipeKey.replace('|', '/');
    }

    private static String membershipDirectory(String pipeKey, Map<String, String> directoryOf) {
        String group = pipeKey.substring(0, pipeKey.indexOf('|'));
        String user = pipeKey.substring(pipeKey.indexOf('|') + 1);
        return Objects.requireNonNullElse(directoryOf.get(group), Objects.requireNonNullElse(directoryOf.get(user), "?"));
    }

    private static <V> void diff(Map<String, V> mirror, Map<String, V> workos, String kind,
                                 java.util.function.Function<V, String> directory, Map<String, DirectoryDrift> drift) {
        workos.forEach((id, value) -> {
            V held = mirror.get(id);
            if (held == null) {
                add(drift, directory.apply(value), kind, "missing", id);
            } else if (!held.equals(value)) {
                add(drift, directory.apply(value), kind, "different", id);
            }
        });
        mirror.forEach((id, value) -> {
            if (!workos.containsKey(id)) {
                add(drift, directory.apply(value), kind, "extra", id);
            }
        });
    }

    private static void add(Map<String, DirectoryDrift> drift, String directoryId, String kind, String category, String id) {
        drift.computeIfAbsent(directoryId, DirectoryDrift::none).kind(kind).of(category).add(id);
    }

    /** The total over all directories. */
    public static int total(Map<String, DirectoryDrift> drift) {
        return drift.values().stream().mapToInt(DirectoryDrift::total).sum();
    }
}
