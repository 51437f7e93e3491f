package dev.dsync.topology.processing;

/** The three kinds of versioned rows; memberships are versioned differently and are not among them. */
public enum EntityKind {
    DIRECTORY('D'), USER('U'), GROUP('G');

    /** Tag of this kind in the tombstone-expiry index. */
    public final char tag;

    EntityKind(char tag) {
        this.tag = tag;
    }
}
