package dev.dsync.topology;

import dev.dsync.events.Topics;
import dev.dsync.topology.processing.ApplyEventProcessor;
import dev.dsync.topology.processing.ChangeLog;
import dev.dsync.topology.processing.ParseEventProcessor;
import dev.dsync.topology.state.EntityRecord;
import dev.dsync.topology.state.EventKey;
import dev.dsync.topology.state.MembershipsStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The one place where the topology is assembled: every processor, store and topic name is here.
 *
 * <pre>
 *  workos.dsync.events ─► parse-event ─┬─► apply-event ─┬─► dsync.directories
 *                                      │   [directories, ├─► dsync.users
 *                                      │    users, groups,├─► dsync.groups
 *                                      │    memberships,  ├─► dsync.group_memberships
 *                                      │                  └─► dsync.provisioning
 *                                      │    tombstone-expiry, purge-horizons,
 *                                      │    last-events, seen-events]
 *                                      └─► workos.dsync.events.dlq
 * </pre>
 *
 * The input is keyed by directory id and nothing is re-keyed, so one task owns all of a directory's state: a
 * cascade never crosses tasks, and a query for a directory is routed with {@code queryMetadataForKey} on the
 * directory id.
 */
public final class DsyncTopology {

    public static final String SOURCE = "workos-events";
    public static final String PARSE = "parse-event";
    public static final String APPLY = "apply-event";
    public static final String DEAD_LETTER_SINK = "dead-letters";
    public static final String DIRECTORIES_SINK = "directories-changelog";
    public static final String USERS_SINK = "users-changelog";
    public static final String GROUPS_SINK = "groups-changelog";
    public static final String MEMBERSHIPS_SINK = "memberships-changelog";
    public static final String PROVISIONING_SINK = "provisioning-events";

    /** Key: directory id. */
    public static final String DIRECTORIES_STORE = "directories";
    /** Key: directory id, SEP, user id. */
    public static final String USERS_STORE = "users";
    /** Key: directory id, SEP, group id. */
    public static final String GROUPS_STORE = "groups";
    /**
     * Key: directory id, SEP, group id, SEP, user id. Also answers a user's memberships from an index it derives and
     * restores itself, keyed SEP, directory id, SEP, user id, SEP, group id (see MembershipsStore).
     */
    public static final String MEMBERSHIPS_STORE = "memberships";
    /**
     * Key: directory id, SEP, event id; value: wall-clock time noted. Ids of events taken in that the other stores
     * no longer show (see SeenEvents), swept after the retention. Local only (no changelog): after a crash or a
     * move, a copy of such an event is handled by the version rules, only counted as stale.
     */
    public static final String SEEN_EVENTS_STORE = "seen-events";
    /** Key: directory id; value: the newest event key the purger has forgotten a marker of (deletions stay deleted). */
    public static final String HORIZONS_STORE = "purge-horizons";
    /** Key: directory id; value: JSON of the last event taken in for it (for {@code /v1/directories/{id}/sync}). */
    public static final String LAST_EVENTS_STORE = "last-events";
    /** Key: marker time (hex), SEP, store tag, SEP, store key. */
    public static final String EXPIRY_STORE = "tombstone-expiry";

    /** The stores a query layer reads, all partitioned by directory id. */
    public static final List<String> QUERYABLE_STORES =
            List.of(DIRECTORIES_STORE, USERS_STORE, GROUPS_STORE, MEMBERSHIPS_STORE, LAST_EVENTS_STORE);

    private DsyncTopology() {
    }

    public static Topology build(TopologyConfig config) {
        return build(config, new TopologyMetrics());
    }

    public static Topology build(TopologyConfig config, TopologyMetrics metrics) {
        Duration retention = config.tombstoneRetention();
        // record timestamps are the input's (see ParseEventProcessor): the broker accepts them whatever the event says
        Topology t = new Topology();
        t.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                config.eventsTopic());
        t.addProcessor(PARSE, () -> new ParseEventProcessor(APPLY, DEAD_LETTER_SINK, metrics), SOURCE);
        ApplyEventProcessor.Stores stores = new ApplyEventProcessor.Stores(DIRECTORIES_STORE, USERS_STORE,
                GROUPS_STORE, MEMBERSHIPS_STORE, EXPIRY_STORE, HORIZONS_STORE, LAST_EVENTS_STORE,
                SEEN_EVENTS_STORE);
        Map<ChangeLog.Topic, String> sinks = Map.of(
                ChangeLog.Topic.DIRECTORIES, DIRECTORIES_SINK,
                ChangeLog.Topic.USERS, USERS_SINK,
                ChangeLog.Topic.GROUPS, GROUPS_SINK,
                ChangeLog.Topic.MEMBERSHIPS, MEMBERSHIPS_SINK);
        String provisioning = config.provisioning() ? PROVISIONING_SINK : null;
        t.addProcessor(APPLY, () -> new ApplyEventProcessor(stores, sinks, config.inactiveUsers(), retention,
                config.purgeInterval(), metrics, provisioning), PARSE);

        // Not logged: the state rules already make a second copy of an event change nothing (same version, same
        // barrier, or behind the purge horizon) as long as WorkOS's versions grow with event time; the ids tell
        // duplicates from stale events, and keep a copy away from the rules where that promise was broken.
        t.addStateStore(keyValueStore(SEEN_EVENTS_STORE, Serdes.Long()).withLoggingDisabled(), APPLY);
        t.addStateStore(keyValueStore(DIRECTORIES_STORE, EntityRecord.SERDE), APPLY);
        t.addStateStore(keyValueStore(USERS_STORE, EntityRecord.SERDE), APPLY);
        t.addStateStore(keyValueStore(GROUPS_STORE, EntityRecord.SERDE), APPLY);
        t.addStateStore(MembershipsStore.builder(MEMBERSHIPS_STORE), APPLY);
        t.addStateStore(keyValueStore(EXPIRY_STORE, Serdes.ByteArray()), APPLY);
        t.addStateStore(keyValueStore(HORIZONS_STORE, EventKey.SERDE), APPLY);
        t.addStateStore(keyValueStore(LAST_EVENTS_STORE, Serdes.ByteArray()), APPLY);

        ByteArraySerializer bytes = new ByteArraySerializer();
        t.addSink(DEAD_LETTER_SINK, Topics.DEAD_LETTERS, bytes, bytes, PARSE);
        t.addSink(DIRECTORIES_SINK, Topics.DIRECTORIES, bytes, bytes, APPLY);
        t.addSink(USERS_SINK, Topics.USERS, bytes, bytes, APPLY);
        t.addSink(GROUPS_SINK, Topics.GROUPS, bytes, bytes, APPLY);
        t.addSink(MEMBERSHIPS_SINK, Topics.MEMBERSHIPS, bytes, bytes, APPLY);
        if (config.provisioning()) {
            t.addSink(PROVISIONING_SINK, Topics.PROVISIONING, bytes, bytes, APPLY);
        }
        return t;
    }

    private static <V> StoreBuilder<KeyValueStore<String, V>> keyValueStore(String name, Serde<V> values) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), values);
    }
}
