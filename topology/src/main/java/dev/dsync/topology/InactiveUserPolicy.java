package dev.dsync.topology;

import java.util.Locale;

/** What an inactive directory user becomes (DSYNC_INACTIVE_USERS). */
public enum InactiveUserPolicy {
    /** The user row stays, with {@code state=inactive}, and keeps its memberships. */
    RETAIN,
    /** Inactive means deprovisioned: the user is deleted exactly as by {@code dsync.user.deleted}. */
    DELETE;

    public static InactiveUserPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("DSYNC_INACTIVE_USERS must be retain or delete, not '" + text + "'");
        }
    }
}
