package dev.dsync.events;

import java.util.List;
import java.util.Map;

/** The topic names of the external contract and the configuration each needs. */
public final class Topics {

    public static final String EVENTS = "workos.dsync.events";
    public static final String OTHER_EVENTS = "workos.events.other";
    public static final String DEAD_LETTERS = "workos.dsync.events.dlq";

    public static final String DIRECTORIES = "dsync.directories";
    public static final String USERS = "dsync.users";
    public static final String GROUPS = "dsync.groups";
    public static final String MEMBERSHIPS = "dsync.group_memberships";

    public static final List<String> INPUTS = List.of(EVENTS, OTHER_EVENTS, DEAD_LETTERS);
    public static final List<String> CHANGE_LOGS = List.of(DIRECTORIES, USERS, GROUPS, MEMBERSHIPS);

    /** Raw events are the source of truth for replays, so they are kept until an operator decides otherwise. */
    public static final Map<String, String> INPUT_CONFIG = Map.of("retention.ms", "-1");

    /** Change-logs hold current state: compacted, and tombstones kept long enough for slow consumers to see them. */
    public static final Map<String, String> CHANGE_LOG_CONFIG = Map.of(
            "cleanup.policy", "compact",
            "delete.retention.ms", String.valueOf(7L * 24 * 3600 * 1000),
            "min.compaction.lag.ms", "0");

    private Topics() {
    }

    public static Map<String, String> configFor(String topic) {
        return CHANGE_LOGS.contains(topic) ? CHANGE_LOG_CONFIG : INPUT_CONFIG;
    }
}
