package dev.dsync.topology.state;

/**
 * Store keys. Every key starts with the directory id, so one directory's rows are contiguous and a cascade or a
 * paged listing is a prefix scan. The separator is the ASCII unit separator: it sorts before every printable
 * character, so {@code dir + SEP + id} orders by id within a directory and no id can be mistaken for a prefix of
 * another. Ids containing it are rejected before they reach a store, and so are ids containing U+0000, which no
 * PostgreSQL key column can hold (the mirror's sink would fail for good on it).
 */
public final class StateKeys {

    public static final char SEP = '\u001F';
    /** The smallest string greater than every key that starts with {@code x + SEP}, when appended to {@code x}. */
    static final char AFTER_SEP = (char) (SEP + 1);

    private StateKeys() {
    }

    public static boolean isValidId(String id) {
        return id != null && !id.isEmpty() && id.indexOf(SEP) < 0 && id.indexOf('\u0000') < 0;
    }

    /** Keys of the users and groups stores. */
    public static String entity(String directoryId, String id) {
        return directoryId + SEP + id;
    }

    /** Prefix of everything a directory owns in the users, groups and memberships stores. */
    public static String directoryPrefix(String directoryId) {
        return directoryId + SEP;
    }

    /** Key of the memberships store: ordered by group, then user. */
    public static String membership(String directoryId, String groupId, String userId) {
        return directoryId + SEP + groupId + SEP + userId;
    }

    /**
     * Prefix of a user's memberships in the memberships store's index (see {@link MembershipsStore}), whose keys are
     * {@code SEP dir SEP user SEP group}: the leading separator keeps them apart from every row's key.
     */
    public static String userMembershipsPrefix(String directoryId, String userId) {
        return SEP + directoryId + SEP + userId + SEP;
    }

    /** Prefix of a group's memberships. */
    public static String childPrefix(String directoryId, String parentId) {
        return directoryId + SEP + parentId + SEP;
    }

    /** The part of a key after its last separator: the id of the row within its prefix. */
    public static String lastPart(String key) {
        return key.substring(key.lastIndexOf(SEP) + 1);
    }

    /** The parts of a key, split at the separator. */
    public static String[] parts(String key) {
        return key.split(String.valueOf(SEP), -1);
    }

    /**
     * Key of the tombstone-expiry index: the marker's wall-clock time first (fixed-width hex, so the index is
     * ordered by time and the purge reads only what is due), then which store the row lives in and its key.
     */
    public static String expiry(long markerAtMs, char store, String storeKey) {
        return String.format("%016x", markerAtMs) + SEP + store + SEP + storeKey;
    }

    /** Upper bound (inclusive) of the expiry keys whose marker time is at or before {@code cutoffMs}. */
    public static String expiryUpTo(long cutoffMs) {
        return String.format("%016x", Math.max(0, cutoffMs)) + AFTER_SEP;
    }

    public static final String EXPIRY_START = String.format("%016x", 0L);

    public record ExpiryEntry(long markerAtMs, char store, String storeKey) {
    }

    public static ExpiryEntry parseExpiry(String key) {
        int first = key.indexOf(SEP);
        return new ExpiryEntry(Long.parseUnsignedLong(key.substring(0, first), 16), key.charAt(first + 1),
                key.substring(first + 3));
    }
}
