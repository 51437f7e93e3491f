package dev.dsync.client;

import java.util.Arrays;

/** The {@code entity.kind} of a {@link ProvisioningEvent}, with the record type its before/after values have. */
public enum EntityKind {
    DIRECTORY("directory", Directory.class),
    USER("user", DirectoryUser.class),
    GROUP("group", DirectoryGroup.class),
    MEMBERSHIP("membership", GroupMembership.class),
    /** A kind this version does not know (a newer dsync); its values are {@link UnknownEntityState}. */
    UNKNOWN(null, UnknownEntityState.class);

    private final String wireName;
    private final Class<? extends EntityState> stateType;

    EntityKind(String wireName, Class<? extends EntityState> stateType) {
        this.wireName = wireName;
        this.stateType = stateType;
    }

    public String wireName() {
        return wireName;
    }

    public Class<? extends EntityState> stateType() {
        return stateType;
    }

    public static EntityKind fromWireName(String name) {
        return Arrays.stream(values()).filter(k -> k.wireName != null && k.wireName.equals(name)).findFirst()
                .orElse(UNKNOWN);
    }
}
