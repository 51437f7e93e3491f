package dev.dsync.client;

/** The names of the topics dsync writes for consumers (docs/change-log-format.md). */
public final class DsyncTopics {

    /** Key: directory id. Value: {@link Directory}; tombstone on delete. Compacted. */
    public static final String DIRECTORIES = "dsync.directories";
    /** Key: user id. Value: {@link DirectoryUser}; tombstone on delete. Compacted. */
    public static final String USERS = "dsync.users";
    /** Key: group id. Value: {@link DirectoryGroup}; tombstone on delete. Compacted. */
    public static final String GROUPS = "dsync.groups";
    /** Key: {@link MembershipKey}. Value: {@link GroupMembership}; tombstone on removal. Compacted. */
    public static final String MEMBERSHIPS = "dsync.group_memberships";
    /** Key: directory id. Value: {@link ProvisioningEvent}. Not compacted; kept 30 days by default. */
    public static final String PROVISIONING = "dsync.provisioning";

    private DsyncTopics() {
    }
}
