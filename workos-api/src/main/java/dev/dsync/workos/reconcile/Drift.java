package dev.dsync.workos.reconcile;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one reconciliation found in one directory, by kind and direction: {@code missing} (WorkOS has it, the
 * mirror does not), {@code extra} (the mirror has it, WorkOS does not) and {@code different} (both, and what a
 * consumer sees differs), each with up to {@link #EXAMPLES} ids.
 */
public final class Drift {

    public static final int EXAMPLES = 100;

    public enum Kind {
        DIRECTORIES, USERS, GROUPS, MEMBERSHIPS;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Direction {
        MISSING, EXTRA, DIFFERENT;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final class Tally {
        final long[] counts = new long[Direction.values().length];
        final List<List<String>> examples = new ArrayList<>();

        Tally() {
            for (int i = 0; i < Direction.values().length; i++) {
                examples.add(new ArrayList<>());
            }
        }
    }

    private final Map<Kind, Tally> tallies = new EnumMap<>(Kind.class);

    public Drift() {
        for (Kind k : Kind.values()) {
            tallies.put(k, new Tally());
        }
    }

    public void add(Kind kind, Direction direction, String id) {
        Tally t = tallies.get(kind);
        t.counts[direction.ordinal()]++;
        List<String> examples = t.examples.get(direction.ordinal());
        if (examples.size() < EXAMPLES) {
            examples.add(id);
        }
    }

    public long count(Kind kind, Direction direction) {
        return tallies.get(kind).counts[direction.ordinal()];
    }

    public long total() {
        long sum = 0;
        for (Tally t : tallies.values()) {
            for (long c : t.counts) {
                sum += c;
            }
        }
        return sum;
    }

    /** {@code {"directories": K, "users": K, "groups": K, "memberships": K}}, K as the class comment says. */
    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        for (Kind kind : Kind.values()) {
            Tally t = tallies.get(kind);
            ObjectNode k = root.putObject(kind.label());
            for (Direction d : Direction.values()) {
                k.put(d.label(), t.counts[d.ordinal()]);
            }
            ObjectNode examples = k.putObject("examples");
            for (Direction d : Direction.values()) {
                ArrayNode ids = examples.putArray(d.label());
                t.examples.get(d.ordinal()).forEach(ids::add);
            }
        }
        return root;
    }

    /** One line for the log: counts only, ids are not personal data but a line should stay short. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        for (Kind kind : Kind.values()) {
            Tally t = tallies.get(kind);
            s.append(s.isEmpty() ? "" : ", ").append(kind.label()).append(' ');
            for (Direction d : Direction.values()) {
                s.append(d == Direction.MISSING ? "" : "/").append(d.label()).append('=').append(t.counts[d.ordinal()]);
            }
        }
        return s.toString();
    }
}
