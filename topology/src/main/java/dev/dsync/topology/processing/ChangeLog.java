package dev.dsync.topology.processing;

import java.nio.charset.StandardCharsets;

/**
 * Where state changes go: one call per effective change, with the change-log value before and after it (null:
 * absent; the change-log record is {@code after}, a tombstone when null). The record timestamp is the input
 * record's, set by the caller's context, never the event time.
 */
@FunctionalInterface
public interface ChangeLog {

    enum Topic { DIRECTORIES, USERS, GROUPS, MEMBERSHIPS }

    /**
     * What a change is about: a directory, user or group by its id, or a membership by its group ({@code id}) and
     * user ({@code userId}, null for the others).
     */
    record Entity(Topic topic, String id, String userId) {

        static Entity of(EntityKind kind, String id) {
            return new Entity(topicOf(kind), id, null);
        }

        static Entity membership(String groupId, String userId) {
            return new Entity(Topic.MEMBERSHIPS, groupId, userId);
        }

        /** The change-log key: the id, or for a membership its group and user as JSON. */
        byte[] key() {
            return topic == Topic.MEMBERSHIPS ? ChangeLogValues.membershipKey(id, userId)
                    : id.getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * @param afterSummary what a provisioning record needs of {@code after} when the caller already has it, or null
     * @param cascade      true when the change follows from another entity's deletion (WorkOS sends no event for it)
     */
    void emit(Entity entity, String before, String after, ValueSummary afterSummary, boolean cascade);

    static Topic topicOf(EntityKind kind) {
        return switch (kind) {
            case DIRECTORY -> Topic.DIRECTORIES;
            case USER -> Topic.USERS;
            case GROUP -> Topic.GROUPS;
        };
    }
}
