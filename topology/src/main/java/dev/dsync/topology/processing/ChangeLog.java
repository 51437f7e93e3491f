package dev.dsync.topology.processing;

/**
 * Where state changes go: one call per change-log record (a null value is a tombstone). The record timestamp is
 * the input record's, set by the caller's context, never the event time.
 */
@FunctionalInterface
public interface ChangeLog {

    enum Topic { DIRECTORIES, USERS, GROUPS, MEMBERSHIPS }

    void emit(Topic topic, byte[] key, String value);

    static Topic topicOf(EntityKind kind) {
        return switch (kind) {
            case DIRECTORY -> Topic.DIRECTORIES;
            case USER -> Topic.USERS;
            case GROUP -> Topic.GROUPS;
        };
    }
}
