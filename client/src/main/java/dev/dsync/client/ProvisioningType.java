package dev.dsync.client;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The {@code type} of a {@link ProvisioningEvent}. A type this version does not know (a newer dsync) is
 * {@link #UNKNOWN}, never an error; {@link ProvisioningEvent#typeName()} keeps the text.
 */
public enum ProvisioningType {
    DIRECTORY_ACTIVATED("directory.activated"),
    DIRECTORY_UPDATED("directory.updated"),
    DIRECTORY_DELETED("directory.deleted"),
    /** A user appeared, active. */
    USER_PROVISIONED("user.provisioned"),
    /** A present user changed without changing between active and inactive. */
    USER_UPDATED("user.updated"),
    /** A user went from active to inactive, or appeared inactive. */
    USER_DEACTIVATED("user.deactivated"),
    /** A user went from inactive to active. */
    USER_REACTIVATED("user.reactivated"),
    /** A user is gone: deleted, removed with its directory, or inactive under {@code DSYNC_INACTIVE_USERS=delete}. */
    USER_DEPROVISIONED("user.deprovisioned"),
    GROUP_CREATED("group.created"),
    GROUP_UPDATED("group.updated"),
    GROUP_DELETED("group.deleted"),
    /** A membership appeared, or a present one changed visibly. */
    MEMBERSHIP_GRANTED("membership.granted"),
    MEMBERSHIP_REVOKED("membership.revoked"),
    UNKNOWN(null);

    private static final Map<String, ProvisioningType> BY_NAME = Arrays.stream(values())
            .filter(t -> t.wireName != null)
            .collect(Collectors.toUnmodifiableMap(t -> t.wireName, Function.identity()));

    private final String wireName;

    ProvisioningType(String wireName) {
        this.wireName = wireName;
    }

    /** The text on the wire, e.g. {@code user.provisioned}; null for {@link #UNKNOWN}. */
    public String wireName() {
        return wireName;
    }

    public static ProvisioningType fromWireName(String name) {
        return name == null ? UNKNOWN : BY_NAME.getOrDefault(name, UNKNOWN);
    }
}
