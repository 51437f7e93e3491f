package dev.dsync.topology.processing;

import static dev.dsync.topology.processing.DirectoryState.Outcome.APPLIED;
import static dev.dsync.topology.processing.DirectoryState.Outcome.DUPLICATE;
import static dev.dsync.topology.processing.DirectoryState.Outcome.STALE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.events.SampleEvents;
import dev.dsync.topology.InactiveUserPolicy;
import dev.dsync.topology.TopologyMetrics;
import dev.dsync.topology.state.EntityRecord;
import dev.dsync.topology.state.EventKey;
import dev.dsync.topology.state.MembershipRecord;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * What the rules remember between events (which directories have user or group barriers) is learnt from the stores
 * when a task starts: a task that takes over stores holding a deletion must still refuse what the deletion covers.
 */
class DirectoryStateRestartTest {

    private static final String DIR = "directory_restart";

    private final MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
    private final DirectoryStores stores = new DirectoryStores(store("directories", EntityRecord.SERDE),
            store("users", EntityRecord.SERDE), store("groups", EntityRecord.SERDE),
            memberships(), store("tombstone-expiry", Serdes.ByteArray()), store("purge-horizons", EventKey.SERDE),
            store("seen-events", Serdes.Long()));

    @Test
    void aRestartedTaskStillRefusesAMembershipADeletionCovers() {
        DirectoryState before = state();
        assertThat(before.apply(event(SampleEvents.directory("dsync.activated", "e1", 1_000, DIR, "active", "D",
                1_000)))).isEqualTo(APPLIED);
        assertThat(before.apply(event(SampleEvents.group("dsync.group.created", "e2", 2_000, DIR, "g", "G",
                2_000)))).isEqualTo(APPLIED);
        assertThat(before.apply(event(SampleEvents.user("dsync.user.created", "e3", 3_000, DIR, "u", "active", "U",
                3_000)))).isEqualTo(APPLIED);
        // a membership before any deletion: nothing to check it against
        assertThat(before.apply(event(SampleEvents.membership("dsync.group.user_added", "e4", 4_000, DIR, "g",
                "other")))).isEqualTo(APPLIED);
        assertThat(before.apply(event(SampleEvents.user("dsync.user.deleted", "e5", 9_000, DIR, "u", "active", "U",
                9_000)))).isEqualTo(APPLIED);

        // the task moves: new rules over the same stores, remembering nothing
        DirectoryState after = state();
        assertThat(after.apply(event(SampleEvents.membership("dsync.group.user_added", "e6", 5_000, DIR, "g", "u"))))
                .as("a membership older than the user's deletion").isEqualTo(STALE);
        assertThat(stores.memberships().get(dev.dsync.topology.state.StateKeys.membership(DIR, "g", "u"))).isNull();
        assertThat(after.apply(event(SampleEvents.membership("dsync.group.user_added", "e7", 10_000, DIR, "g",
                "u")))).as("a membership newer than the deletion").isEqualTo(APPLIED);
    }

    /** Ids noted before a clean restart are still read: the store outlives the task's close. */
    @Test
    void aRestartedTaskStillRecognisesANotedCopy() {
        String created = SampleEvents.group("dsync.group.created", "e1", 1_000, DIR, "g", "G", 1_000);
        String renamed = SampleEvents.group("dsync.group.updated", "e2", 2_000, DIR, "g", "G2", 2_000);
        DirectoryState before = state();
        assertThat(before.apply(event(created))).isEqualTo(APPLIED);
        assertThat(before.apply(event(renamed))).isEqualTo(APPLIED); // e1 is no longer shown: noted

        DirectoryState after = state();
        assertThat(after.apply(event(created))).isEqualTo(DUPLICATE);
        assertThat(after.apply(event(renamed))).isEqualTo(DUPLICATE);
    }

    private DirectoryState state() {
        return new DirectoryState(stores, new SeenEvents(stores.seenEvents(), java.time.Duration.ofDays(4),
                new TopologyMetrics()), InactiveUserPolicy.RETAIN, () -> 50_000L,
                (entity, before, after, summary, cascade) -> { }, new TopologyMetrics());
    }

    private static DsyncEvent event(String json) {
        EventInterpreter.Result r = EventInterpreter.interpret(DIR, json.getBytes(StandardCharsets.UTF_8));
        assertThat(r).isInstanceOf(EventInterpreter.Accepted.class);
        return ((EventInterpreter.Accepted) r).event();
    }

    private KeyValueStore<String, MembershipRecord> memberships() {
        KeyValueStore<String, MembershipRecord> store = dev.dsync.topology.state.MembershipsStore
                .builder(Stores.inMemoryKeyValueStore("memberships")).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }

    private <V> KeyValueStore<String, V> store(String name, Serde<V> values) {
        KeyValueStore<String, V> store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                Serdes.String(), values).withLoggingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        return store;
    }
}
