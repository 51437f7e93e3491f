package dev.dsync.topology.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The memberships store's by-user index follows its rows however they are written: by the rules, by restoring a
 * changelog (an active task after a crash, a standby), or by an older dsync that kept no index.
 */
class MembershipsStoreTest {

    private static final String DIR = "directory_01";
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void keysTranslateBothWaysForAnyIds() {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int i = 0; i < 20_000; i++) {
            String dir = id(random);
            String group = id(random);
            String user = id(random);
            Bytes row = bytes(StateKeys.membership(dir, group, user));
            Bytes index = MembershipsStore.indexKey(row);
            assertThat(index).as("seed %d", seed).isEqualTo(bytes(StateKeys.userMembershipsPrefix(dir, user) + group));
            assertThat(MembershipsStore.rowKey(index)).as("seed %d", seed).isEqualTo(row);
        }
        assertThat(MembershipsStore.indexKey(bytes(StateKeys.entity(DIR, "u")))).as("not a row's key").isNull();
        assertThat(MembershipsStore.indexKey(bytes("a" + StateKeys.SEP + "b" + StateKeys.SEP + "c" + StateKeys.SEP
                + "d"))).isNull();
        assertThat(MembershipsStore.rowKey(bytes(StateKeys.membership(DIR, "g", "u")))).as("a row's key").isNull();
    }

    @Test
    void theIndexFollowsTheRulesWritesInRocksDb() throws Exception {
        checkWrites(open(Stores.persistentKeyValueStore("memberships")));
    }

    @Test
    void theIndexFollowsTheRulesWritesInMemory() throws Exception {
        checkWrites(open(Stores.inMemoryKeyValueStore("memberships")));
    }

    private void checkWrites(KeyValueStore<String, MembershipRecord> store) {
        store.put(StateKeys.membership(DIR, "g1", "u1"), present("e1"));
        store.put(StateKeys.membership(DIR, "g2", "u1"), present("e2"));
        store.put(StateKeys.membership(DIR, "g2", "u2"), MembershipRecord.absent(key("e3"), 5));
        store.putAll(List.of(KeyValue.pair(StateKeys.membership(DIR, "g3", "u1"), present("e4"))));
        store.delete(StateKeys.membership(DIR, "g2", "u1"));
        assertThat(groupsOf(store, "u1")).containsExactly("g1=e1", "g3=e4");
        assertThat(groupsOf(store, "u2")).as("a marker row is indexed as a row").containsExactly("g2=e3");
        // every other read sees the rows only
        assertThat(keys(store.all())).containsExactly(StateKeys.membership(DIR, "g1", "u1"),
                StateKeys.membership(DIR, "g2", "u2"), StateKeys.membership(DIR, "g3", "u1"));
        assertThat(keys(store.prefixScan(StateKeys.directoryPrefix(DIR), new StringSerializer()))).hasSize(3);
        assertThat(store.get(StateKeys.userMembershipsPrefix(DIR, "u1") + "g1")).isNull();
        store.put(StateKeys.membership(DIR, "g1", "u1"), null);
        assertThat(groupsOf(store, "u1")).containsExactly("g3=e4");
    }

    @Test
    void restoringAChangelogBuildsTheIndex() throws Exception {
        Registrations registrations = new Registrations();
        MembershipsStore.Indexed store = openIndexed(registrations);
        assertThat(registrations.commit).as("RocksDB's own commit callback is passed on").isNotNull();
        registrations.restore.restoreAll(List.of(
                record(StateKeys.membership(DIR, "g1", "u1"), present("e1")),
                record(StateKeys.membership(DIR, "g2", "u1"), present("e2")),
                record(StateKeys.membership(DIR, "g1", "u2"), present("e3")),
                record(StateKeys.membership(DIR, "g2", "u1"), null)));
        assertThat(groupsOf(store, "u1")).containsExactly("g1=e1");
        assertThat(groupsOf(store, "u2")).containsExactly("g1=e3");
        assertThat(rowKeys(store)).hasSize(2);
    }

    @Test
    void aStoreWrittenWithoutTheIndexGetsItWhenOpened() throws Exception {
        Path dir = Files.createTempDirectory("memberships-old");
        MockProcessorContext<Object, Object> mock = mock(dir);
        KeyValueStore<String, MembershipRecord> old = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore("memberships"), org.apache.kafka.common.serialization.Serdes.String(),
                MembershipRecord.SERDE).withLoggingDisabled().build();
        old.init(mock.getStateStoreContext(), old);
        for (int g = 0; g < 30; g++) {
            for (int u = 0; u < 1_000; u++) {
                old.put(StateKeys.membership(DIR, "g" + g, "u" + u), present("e" + g + "-" + u));
            }
        }
        old.close();

        MembershipsStore.Indexed store = openIndexed(mock, new Registrations());
        assertThat(groupsOf(store, "u7")).hasSize(30).contains("g0=e0-7", "g29=e29-7");
        assertThat(rowKeys(store)).hasSize(30_000);
    }

    /** Random writes and restores against a model: the index lists exactly each user's rows. */
    @Test
    void theIndexListsExactlyTheRowsWhateverTheWrites() throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Registrations registrations = new Registrations();
        MembershipsStore.Indexed store = openIndexed(registrations);
        TreeMap<String, String> model = new TreeMap<>();
        for (int step = 0; step < 5_000; step++) {
            String group = "g" + random.nextInt(20);
            String user = "u" + random.nextInt(20);
            String row = StateKeys.membership(DIR, group, user);
            String event = "e" + step;
            switch (random.nextInt(4)) {
                case 0 -> {
                    store.put(bytes(row), serialized(present(event)));
                    model.put(row, event);
                }
                case 1 -> {
                    store.delete(bytes(row));
                    model.remove(row);
                }
                case 2 -> {
                    registrations.restore.restoreAll(List.of(record(row, present(event))));
                    model.put(row, event);
                }
                default -> {
                    registrations.restore.restoreAll(List.of(record(row, null)));
                    model.remove(row);
                }
            }
        }
        for (int u = 0; u < 20; u++) {
            TreeSet<String> expected = new TreeSet<>();
            for (Map.Entry<String, String> e : model.entrySet()) {
                String[] parts = StateKeys.parts(e.getKey());
                if (parts[2].equals("u" + u)) {
                    expected.add(parts[1] + "=" + e.getValue());
                }
            }
            assertThat(new TreeSet<>(groupsOf(store, "u" + u))).as("user u%d, seed %d", u, seed).isEqualTo(expected);
        }
        assertThat(rowKeys(store)).as("seed %d", seed).containsExactlyElementsOf(model.keySet());
    }

    /** The store as the topology reads and writes it, through Streams' own layers (without the changelog). */
    private KeyValueStore<String, MembershipRecord> open(KeyValueBytesStoreSupplier rows) throws Exception {
        KeyValueStore<String, MembershipRecord> store = MembershipsStore.builder(rows).withLoggingDisabled().build();
        store.init(mock(Files.createTempDirectory("memberships")).getStateStoreContext(), store);
        open.add(store::close);
        return store;
    }

    /** The store itself, below Streams' layers, where what it registers with the task can be seen. */
    private MembershipsStore.Indexed openIndexed(MockProcessorContext<Object, Object> mock,
                                                 Registrations registrations) {
        MembershipsStore.Indexed store = new MembershipsStore.Indexed(
                Stores.persistentKeyValueStore("memberships").get());
        store.init(registrations.around(mock.getStateStoreContext()), store);
        open.add(store::close);
        return store;
    }

    private MembershipsStore.Indexed openIndexed(Registrations registrations) throws Exception {
        return openIndexed(mock(Files.createTempDirectory("memberships")), registrations);
    }

    private static MockProcessorContext<Object, Object> mock(Path stateDir) {
        java.util.Properties p = new java.util.Properties();
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "memberships-store-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        return new MockProcessorContext<>(p, new TaskId(0, 0), stateDir.toFile());
    }

    private static List<String> groupsOf(KeyValueStore<String, MembershipRecord> store, String user) {
        List<String> groups = new ArrayList<>();
        try (KeyValueIterator<String, MembershipRecord> it =
                     store.prefixScan(StateKeys.userMembershipsPrefix(DIR, user), new StringSerializer())) {
            it.forEachRemaining(kv -> groups.add(StateKeys.lastPart(kv.key) + "=" + kv.value.version().eventId()));
        }
        return groups;
    }

    private static List<String> groupsOf(MembershipsStore.Indexed store, String user) {
        List<String> groups = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it =
                     store.prefixScan(StateKeys.userMembershipsPrefix(DIR, user), new StringSerializer())) {
            it.forEachRemaining(kv -> groups.add(StateKeys.lastPart(new String(kv.key.get(), StandardCharsets.UTF_8))
                    + "=" + MembershipRecord.SERDE.deserializer().deserialize("", kv.value).version().eventId()));
        }
        return groups;
    }

    private static List<String> rowKeys(MembershipsStore.Indexed store) {
        List<String> keys = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            it.forEachRemaining(kv -> keys.add(new String(kv.key.get(), StandardCharsets.UTF_8)));
        }
        return keys;
    }

    private static byte[] serialized(MembershipRecord r) {
        return MembershipRecord.SERDE.serializer().serialize("", r);
    }

    private static List<String> keys(KeyValueIterator<String, MembershipRecord> it) {
        List<String> keys = new ArrayList<>();
        try (it) {
            it.forEachRemaining(kv -> keys.add(kv.key));
        }
        return keys;
    }

    private static MembershipRecord present(String eventId) {
        return MembershipRecord.present(key(eventId), "{\"id\":\"" + eventId + "\"}");
    }

    private static EventKey key(String eventId) {
        return new EventKey(1_000, eventId);
    }

    private static KeyValue<byte[], byte[]> record(String key, MembershipRecord value) {
        return KeyValue.pair(key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : serialized(value));
    }

    private static Bytes bytes(String s) {
        return Bytes.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    /** An id of any characters an id may hold: ASCII, multi-byte, astral; never the separator or U+0000. */
    private static String id(Random random) {
        StringBuilder b = new StringBuilder();
        int length = 1 + random.nextInt(12);
        while (b.length() < length) {
            int c = switch (random.nextInt(4)) {
                case 0 -> 'a' + random.nextInt(26);
                case 1 -> 1 + random.nextInt(0x7F);
                case 2 -> 0x80 + random.nextInt(0xD000);
                default -> 0x10000 + random.nextInt(0x1000);
            };
            if (c != StateKeys.SEP) {
                b.appendCodePoint(c);
            }
        }
        return b.toString();
    }

    /** What the store registers with the task: its restore callback and its commit callback. */
    private static final class Registrations {
        BatchingStateRestoreCallback restore;
        CommitCallback commit;

        StateStoreContext around(StateStoreContext context) {
            return new MembershipsStore.RegistrationTaken(context, (callback, onCommit) -> {
                restore = (BatchingStateRestoreCallback) callback;
                commit = onCommit;
            });
        }
    }
}
