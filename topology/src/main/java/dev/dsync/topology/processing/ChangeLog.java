package dev.dsync.topology.processing;

/**
 * Where state changes go: one call per effective change, with the change-log value before and after it (null:
 * absent; the change-log record is {@code after}, a tombstone when null). The record timestamp is the input
 * record's, set by the caller's context, never the event time.
 */
@FunctionalInterface
public interface ChangeLog {

    enum Topic { DIRECTORIES, USERS, GROUPS, MEMBERSHIPS }

    /**
     * @param cascade true when the change follows from another entity's deletion (WorkOS sends no event for it)
     */
    void emit(Topic topic, byte[] key, String before, String after, boolean cascade);

    static Topic topicOf(EntityKind kind) {
        return switch (kind) {
            case DIRECTORY -> Topic.DIRECTORIES;
            case USER -> Topic.USERS;
            case GROUP -> Topic.GROUPS;
        };
    }
}
