package dev.dsync.topology.state;

import java.io.File;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The memberships store, which also answers "the memberships of a user" from an index it keeps itself.
 *
 * <p>Rows are keyed {@code dir|group|user} ({@link StateKeys#membership}). For every row the store also holds an
 * index entry {@code SEP dir|user|group} ({@link StateKeys#userMembershipsPrefix}) in the same RocksDB database. A key
 * that starts with the separator can be nothing else: no directory id is empty or contains it. The index is derived,
 * never logged: it is written with each row, and rebuilt from the changelog records when the store is restored,
 * by an active task and by a standby alike. So a query that a standby answers finds it too, and it costs no
 * changelog record. (It used to be a store of its own, with a changelog: a second changelog record, and the broker's
 * work for it, for every new membership.)
 *
 * <p>A range or prefix scan within the index (both bounds start with the separator) returns index keys with the
 * rows' values, read from the rows; every other read sees the rows only.
 */
public final class MembershipsStore {

    private static final byte SEP = (byte) StateKeys.SEP;
    private static final byte[] PRESENT = {1};
    /**
     * Present once the index is complete for the rows held. A store written by a version of dsync without the index
     * has rows and no marker; its index is built when it is opened.
     */
    static final Bytes INDEX_BUILT = Bytes.wrap(new byte[] {SEP});
    private static final int REBUILD_BATCH = 10_000;

    private MembershipsStore() {
    }

    /** The memberships store on RocksDB. */
    public static StoreBuilder<KeyValueStore<String, MembershipRecord>> builder(String name) {
        return builder(Stores.persistentKeyValueStore(name));
    }

    /** The memberships store on the rows' store that {@code rows} supplies (tests use an in-memory one). */
    public static StoreBuilder<KeyValueStore<String, MembershipRecord>> builder(KeyValueBytesStoreSupplier rows) {
        return Stores.keyValueStoreBuilder(new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return rows.name();
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new Indexed(rows.get());
            }

            @Override
            public String metricsScope() {
                return rows.metricsScope();
            }
        }, Serdes.String(), MembershipRecord.SERDE);
    }

    /** The index key of the row {@code dir|group|user}; null for a key that is not a row's. */
    static Bytes indexKey(Bytes rowKey) {
        byte[] k = rowKey.get();
        int first = indexOf(k, 0);
        int second = first < 0 ? -1 : indexOf(k, first + 1);
        if (second < 0 || indexOf(k, second + 1) >= 0 || k.length == 0 || k[0] == SEP) {
            return null;
        }
        // SEP dir SEP user SEP group
        byte[] index = new byte[k.length + 1];
        index[0] = SEP;
        System.arraycopy(k, 0, index, 1, first + 1);
        int user = k.length - (second + 1);
        System.arraycopy(k, second + 1, index, first + 2, user);
        index[first + 2 + user] = SEP;
        System.arraycopy(k, first + 1, index, first + 3 + user, second - first - 1);
        return Bytes.wrap(index);
    }

    /** The row key of the index entry {@code SEP dir|user|group}; null for a key that is not an index entry's. */
    static Bytes rowKey(Bytes indexKey) {
        byte[] k = indexKey.get();
        if (k.length < 2 || k[0] != SEP) {
            return null;
        }
        int first = indexOf(k, 1);
        int second = first < 0 ? -1 : indexOf(k, first + 1);
        if (second < 0 || indexOf(k, second + 1) >= 0) {
            return null;
        }
        // dir SEP group SEP user
        byte[] row = new byte[k.length - 1];
        System.arraycopy(k, 1, row, 0, first - 1);
        row[first - 1] = SEP;
        int group = k.length - (second + 1);
        System.arraycopy(k, second + 1, row, first, group);
        row[first + group] = SEP;
        System.arraycopy(k, first + 1, row, first + group + 1, second - first - 1);
        return Bytes.wrap(row);
    }

    private static int indexOf(byte[] k, int from) {
        for (int i = from; i < k.length; i++) {
            if (k[i] == SEP) {
                return i;
            }
        }
        return -1;
    }

    private static boolean inIndex(Bytes key) {
        return key != null && key.get().length > 0 && key.get()[0] == SEP;
    }

    /** The rows in a RocksDB store, with their index beside them. */
    static final class Indexed implements KeyValueStore<Bytes, byte[]> {

        /** RocksDB in production; in a test maybe an in-memory store. */
        private final KeyValueStore<Bytes, byte[]> rocksDb;

        Indexed(KeyValueStore<Bytes, byte[]> rocksDb) {
            this.rocksDb = rocksDb;
        }

        @Override
        public String name() {
            return rocksDb.name();
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
            // RocksDB registers a restore callback that writes what it reads as it is; ours writes the index too
            CommitCallback[] onCommit = new CommitCallback[1];
            rocksDb.init(new RegistrationTaken(context, (restore, commit) -> onCommit[0] = commit), root);
            if (rocksDb.get(INDEX_BUILT) == null) {
                rebuildIndex();
            }
            BatchingStateRestoreCallback restore = this::restore;
            if (onCommit[0] == null) {
                context.register(root, restore);
            } else {
                context.register(root, restore, onCommit[0]);
            }
        }

        private void restore(Collection<KeyValue<byte[], byte[]>> records) {
            List<KeyValue<Bytes, byte[]>> writes = new ArrayList<>(records.size() * 2);
            for (KeyValue<byte[], byte[]> r : records) {
                Bytes key = Bytes.wrap(r.key);
                writes.add(KeyValue.pair(key, r.value));
                Bytes index = indexKey(key);
                if (index != null) {
                    writes.add(KeyValue.pair(index, indexValue(r.value)));
                }
            }
            rocksDb.putAll(writes);
        }

        private void rebuildIndex() {
            List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> rows = rows(rocksDb.all())) {
                while (rows.hasNext()) {
                    Bytes index = indexKey(rows.next().key);
                    if (index != null) {
                        batch.add(KeyValue.pair(index, PRESENT));
                    }
                    if (batch.size() == REBUILD_BATCH) {
                        rocksDb.putAll(batch);
                        batch.clear();
                    }
                }
            }
            batch.add(KeyValue.pair(INDEX_BUILT, PRESENT));
            rocksDb.putAll(batch);
        }

        @Override
        public void put(Bytes key, byte[] value) {
            rocksDb.put(key, value);
            Bytes index = indexKey(key);
            if (index != null) {
                rocksDb.put(index, indexValue(value)); // a null value removes the row, and so its entry
            }
        }

        /** The value of a row's index entry: present while the row is, null (removed) with it. */
        private static byte[] indexValue(byte[] rowValue) {
            return rowValue == null ? null : PRESENT;
        }

        @Override
        public byte[] putIfAbsent(Bytes key, byte[] value) {
            byte[] current = get(key);
            if (current == null) {
                put(key, value);
            }
            return current;
        }

        @Override
        public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            entries.forEach(e -> put(e.key, e.value));
        }

        @Override
        public byte[] delete(Bytes key) {
            byte[] old = rocksDb.delete(key);
            Bytes index = indexKey(key);
            if (index != null) {
                rocksDb.put(index, null); // delete() would read the entry first, for an old value nobody wants
            }
            return old;
        }

        @Override
        public byte[] get(Bytes key) {
            return inIndex(key) ? null : rocksDb.get(key);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
            return inIndex(from) && inIndex(to) ? index(rocksDb.range(from, to)) : rows(rocksDb.range(from, to));
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
            return inIndex(from) && inIndex(to) ? index(rocksDb.reverseRange(from, to))
                    : rows(rocksDb.reverseRange(from, to));
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> all() {
            return rows(rocksDb.all());
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseAll() {
            return rows(rocksDb.reverseAll());
        }

        @Override
        public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(P prefix, PS serializer) {
            byte[] p = serializer.serialize(null, prefix);
            return p.length > 0 && p[0] == SEP ? index(rocksDb.prefixScan(prefix, serializer))
                    : rows(rocksDb.prefixScan(prefix, serializer));
        }

        /** Index entries, each with its row's value; an entry without a row (there should be none) is skipped. */
        private KeyValueIterator<Bytes, byte[]> index(KeyValueIterator<Bytes, byte[]> entries) {
            return new Filtered(entries) {
                @Override
                KeyValue<Bytes, byte[]> accept(KeyValue<Bytes, byte[]> entry) {
                    Bytes row = rowKey(entry.key);
                    byte[] value = row == null ? null : rocksDb.get(row);
                    return value == null ? null : KeyValue.pair(entry.key, value);
                }
            };
        }

        private static KeyValueIterator<Bytes, byte[]> rows(KeyValueIterator<Bytes, byte[]> entries) {
            return new Filtered(entries) {
                @Override
                KeyValue<Bytes, byte[]> accept(KeyValue<Bytes, byte[]> entry) {
                    return inIndex(entry.key) ? null : entry;
                }
            };
        }

        @Override
        public long approximateNumEntries() {
            return rocksDb.approximateNumEntries() / 2;
        }

        @Override
        public void flush() {
            rocksDb.flush();
        }

        @Override
        public void commit(Map<TopicPartition, Long> changelogOffsets) {
            rocksDb.commit(changelogOffsets);
        }

        @Override
        public Long committedOffset(TopicPartition partition) {
            return rocksDb.committedOffset(partition);
        }

        @Override
        public boolean managesOffsets() {
            return rocksDb.managesOffsets();
        }

        @Override
        public long approximateNumUncommittedBytes() {
            return rocksDb.approximateNumUncommittedBytes();
        }

        @Override
        public void close() {
            rocksDb.close();
        }

        @Override
        public boolean persistent() {
            return rocksDb.persistent();
        }

        @Override
        public boolean isOpen() {
            return rocksDb.isOpen();
        }

        @Override
        public <R> QueryResult<R> query(Query<R> query, PositionBound positionBound, QueryConfig config) {
            return rocksDb.query(query, positionBound, config);
        }

        @Override
        public Position getPosition() {
            return rocksDb.getPosition();
        }
    }

    /** An iterator that passes on what {@link #accept} makes of each entry, skipping nulls. */
    private abstract static class Filtered implements KeyValueIterator<Bytes, byte[]> {
        private final KeyValueIterator<Bytes, byte[]> entries;
        private KeyValue<Bytes, byte[]> next;

        Filtered(KeyValueIterator<Bytes, byte[]> entries) {
            this.entries = entries;
        }

        abstract KeyValue<Bytes, byte[]> accept(KeyValue<Bytes, byte[]> entry);

        @Override
        public boolean hasNext() {
            while (next == null && entries.hasNext()) {
                next = accept(entries.next());
            }
            return next != null;
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            KeyValue<Bytes, byte[]> n = next;
            next = null;
            return n;
        }

        @Override
        public Bytes peekNextKey() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return next.key;
        }

        @Override
        public void close() {
            entries.close();
        }
    }

    /** What a store registers with its task: a callback for restoring it, and one for each commit (may be null). */
    interface Registration {
        void register(StateRestoreCallback restore, CommitCallback commit);
    }

    /**
     * A task's context as a store sees it when it is opened, except that the store's registration goes to
     * {@code registration} instead of the task: the RocksDB store is opened with it, so that restoring goes through
     * the index (its commit callback is passed on with ours).
     */
    record RegistrationTaken(StateStoreContext context, Registration registration) implements StateStoreContext {

        @Override
        public void register(StateStore store, StateRestoreCallback restore) {
            registration.register(restore, null);
        }

        @Override
        public void register(StateStore store, StateRestoreCallback restore, CommitCallback commit) {
            registration.register(restore, commit);
        }

        @Override
        public String applicationId() {
            return context.applicationId();
        }

        @Override
        public TaskId taskId() {
            return context.taskId();
        }

        @Override
        public Optional<RecordMetadata> recordMetadata() {
            return context.recordMetadata();
        }

        @Override
        public Serde<?> keySerde() {
            return context.keySerde();
        }

        @Override
        public Serde<?> valueSerde() {
            return context.valueSerde();
        }

        @Override
        public File stateDir() {
            return context.stateDir();
        }

        @Override
        public StreamsMetrics metrics() {
            return context.metrics();
        }

        @Override
        public Map<String, Object> appConfigs() {
            return context.appConfigs();
        }

        @Override
        public Map<String, Object> appConfigsWithPrefix(String prefix) {
            return context.appConfigsWithPrefix(prefix);
        }
    }
}
