package dev.dsync.topology.query;

import dev.dsync.topology.state.DirectoryStateReader;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What each endpoint reads, given the state of one partition. Pure functions of a {@link DirectoryStateReader}:
 * where the reader comes from (fresh, stale, which instance) is {@link StateRouter}'s business.
 */
final class DirectoryReads {

    /** A directory-scoped read: the whole answer, from the partition that owns the directory. */
    @FunctionalInterface
    interface DirectoryRead {
        Answer read(DirectoryStateReader reader);
    }

    /** One partition's piece of a listing that spans partitions. */
    @FunctionalInterface
    interface PieceRead {
        Rows.Piece read(DirectoryStateReader reader);
    }

    /** Filters of the user listings; null fields match everything. */
    record UserFilter(String state, String email) {
        UserFilter {
            email = Json.normalizeEmail(email);
        }

        boolean matchesAll() {
            return state == null && email == null;
        }

        boolean test(String userJson) {
            return (state == null || state.equals(Json.field(userJson, "state")))
                    && (email == null || email.equals(Json.normalizeEmail(Json.field(userJson, "email"))));
        }
    }

    /** A page source of the reader: rows after a cursor, at most n. */
    @FunctionalInterface
    private interface Pager {
        DirectoryStateReader.Page page(String after, int n);
    }

    private DirectoryReads() {
    }

    static DirectoryRead directory(String directoryId) {
        return r -> r.directory(directoryId).map(Answer::ok)
                .orElseGet(() -> Answer.notFound("directory " + directoryId + " not found"));
    }

    static DirectoryRead users(String directoryId, UserFilter filter, String after, int limit) {
        return inDirectory(directoryId, r -> list(collect((a, n) -> r.users(directoryId, a, n), after, limit,
                Rows.Row::json, filter.matchesAll() ? null : row -> filter.test(row.json()))));
    }

    static DirectoryRead user(String directoryId, String userId) {
        return inDirectory(directoryId, r -> r.user(directoryId, userId).map(Answer::ok)
                .orElseGet(() -> Answer.notFound("user " + userId + " not found in directory " + directoryId)));
    }

    /** The groups a user is a member of (memberships whose group row is gone are skipped). */
    static DirectoryRead groupsOfUser(String directoryId, String userId, String after, int limit) {
        return inDirectory(directoryId, r -> r.user(directoryId, userId).isEmpty()
                ? Answer.notFound("user " + userId + " not found in directory " + directoryId)
                : list(collect((a, n) -> r.groupsOf(directoryId, userId, a, n), after, limit,
                        row -> r.group(directoryId, row.id()).orElse(null), null)));
    }

    static DirectoryRead groups(String directoryId, String after, int limit) {
        return inDirectory(directoryId, r -> list(collect((a, n) -> r.groups(directoryId, a, n), after, limit,
                Rows.Row::json, null)));
    }

    static DirectoryRead group(String directoryId, String groupId) {
        return inDirectory(directoryId, r -> r.group(directoryId, groupId).map(Answer::ok)
                .orElseGet(() -> Answer.notFound("group " + groupId + " not found in directory " + directoryId)));
    }

    /** The users that are members of a group (memberships whose user row doesn't exist are skipped). */
    static DirectoryRead usersOfGroup(String directoryId, String groupId, String after, int limit) {
        return inDirectory(directoryId, r -> r.group(directoryId, groupId).isEmpty()
                ? Answer.notFound("group " + groupId + " not found in directory " + directoryId)
                : list(collect((a, n) -> r.members(directoryId, groupId, a, n), after, limit,
                        row -> r.user(directoryId, row.id()).orElse(null), null)));
    }

    /** Directories of one partition, optionally of one organization. */
    static PieceRead directories(String organizationId, String after, int limit) {
        return r -> collect(r::directories, after, limit, Rows.Row::json, organizationId == null ? null
                : row -> organizationId.equals(Json.field(row.json(), "organization_id")));
    }

    /** Users of one partition's directories of an organization, in user-id order across those directories. */
    static PieceRead organizationUsers(String organizationId, UserFilter filter, String after, int limit) {
        return r -> {
            List<Rows.Piece> perDirectory = new ArrayList<>();
            String cursor = null;
            while (true) {
                Rows.Piece dirs = collect(r::directories, cursor, 100, Rows.Row::json,
                        row -> organizationId.equals(Json.field(row.json(), "organization_id")));
                for (Rows.Row d : dirs.rows()) {
                    perDirectory.add(collect((a, n) -> r.users(d.id(), a, n), after, limit, Rows.Row::json,
                            filter.matchesAll() ? null : row -> filter.test(row.json())));
                }
                if (!dirs.more()) {
                    break;
                }
                cursor = dirs.after();
            }
            return Rows.merge(perDirectory, limit);
        };
    }

    private static DirectoryRead inDirectory(String directoryId, DirectoryRead read) {
        return r -> r.directory(directoryId).isEmpty()
                ? Answer.notFound("directory " + directoryId + " not found")
                : read.read(r);
    }

    private static Answer list(Rows.Piece piece) {
        return Answer.ok(Json.list(piece.rows(), piece.after()));
    }

    /**
     * Reads pages until {@code limit} rows passed {@code map} (null: skip the row) and {@code filter}, plus one
     * more to know whether there is a next page.
     */
    private static Rows.Piece collect(Pager pager, String after, int limit, Function<Rows.Row, String> map,
                                     Predicate<Rows.Row> filter) {
        List<Rows.Row> out = new ArrayList<>(Math.min(limit, 100) + 1);
        String cursor = after;
        int chunk = Math.min(Math.max(limit + 1, 50), 500);
        do {
            DirectoryStateReader.Page page = pager.page(cursor, chunk);
            for (DirectoryStateReader.Row raw : page.rows()) {
                String json = map.apply(new Rows.Row(raw.id(), raw.json()));
                if (json == null) {
                    continue;
                }
                Rows.Row row = new Rows.Row(raw.id(), json);
                if (filter != null && !filter.test(row)) {
                    continue;
                }
                if (out.size() == limit) {
                    return new Rows.Piece(out, true);
                }
                out.add(row);
            }
            cursor = page.nextAfter();
        } while (cursor != null);
        return new Rows.Piece(out, false);
    }
}
