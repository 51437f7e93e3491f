package dev.dsync.topology.query;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Id-ordered pieces of a listing and how they are merged, plus the compact format in which one instance hands its
 * piece of a fanned-out listing to another.
 */
final class Rows {

    /** One listed object: its id (the listing's sort key and cursor) and its change-log JSON. */
    record Row(String id, String json) {
    }

    /**
     * Up to {@code limit} rows in id order, and whether the source had more after them. A piece of a fanned-out
     * listing, or (once merged) the whole page.
     */
    record Piece(List<Row> rows, boolean more) {
        Piece {
            rows = List.copyOf(rows);
        }

        /** The cursor of the next page: the last id, when there is more. */
        String after() {
            return more && !rows.isEmpty() ? rows.getLast().id() : null;
        }
    }

    /**
     * The stores order keys by their UTF-8 bytes (and the {@code after} cursor is exclusive in that order), so the
     * merge orders the same way; for ASCII ids this is plain string order.
     */
    static final Comparator<Row> BY_ID = (a, b) -> a.id().equals(b.id()) ? 0
            : Arrays.compareUnsigned(a.id().getBytes(StandardCharsets.UTF_8), b.id().getBytes(StandardCharsets.UTF_8));

    private Rows() {
    }

    /**
     * Merges pieces that each hold the first rows after the same cursor: the first {@code limit} of all of them are
     * the first {@code limit} overall, and there is more when any piece had more or when rows were left over.
     */
    static Piece merge(List<Piece> pieces, int limit) {
        List<Row> all = new ArrayList<>();
        boolean more = false;
        for (Piece p : pieces) {
            all.addAll(p.rows());
            more |= p.more();
        }
        all.sort(BY_ID);
        if (all.size() > limit) {
            return new Piece(all.subList(0, limit), true);
        }
        return new Piece(all, more);
    }

    /**
     * The wire format of a piece between instances: a first line {@code more} or {@code last}, then per row
     * {@code <id length>:<json length>:<id><json>}. Lengths make it independent of what ids and values contain.
     */
    static String encode(Piece piece) {
        StringBuilder sb = new StringBuilder(piece.more() ? "more\n" : "last\n");
        for (Row r : piece.rows()) {
            sb.append(r.id().length()).append(':').append(r.json().length()).append(':').append(r.id())
                    .append(r.json());
        }
        return sb.toString();
    }

    static Piece decode(String body) {
        int nl = body.indexOf('\n');
        if (nl < 0) {
            throw new IllegalArgumentException("not a piece");
        }
        String head = body.substring(0, nl);
        if (!head.equals("more") && !head.equals("last")) {
            throw new IllegalArgumentException("not a piece: " + head);
        }
        List<Row> rows = new ArrayList<>();
        int i = nl + 1;
        while (i < body.length()) {
            int c1 = body.indexOf(':', i);
            int c2 = body.indexOf(':', c1 + 1);
            int idLen = Integer.parseInt(body, i, c1, 10);
            int jsonLen = Integer.parseInt(body, c1 + 1, c2, 10);
            int start = c2 + 1;
            rows.add(new Row(body.substring(start, start + idLen), body.substring(start + idLen,
                    start + idLen + jsonLen)));
            i = start + idLen + jsonLen;
        }
        return new Piece(rows, head.equals("more"));
    }
}
