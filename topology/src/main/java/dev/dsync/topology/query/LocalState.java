package dev.dsync.topology.query;

import dev.dsync.topology.DsyncTopology;
import dev.dsync.topology.state.DirectoryStateReader;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** This instance's copies of the state, read one partition at a time. */
interface LocalState {

    /**
     * Reads {@code partition} here, or empty. Fresh needs this instance's active task for it to be running; stale also
     * takes a standby or restoring copy at most {@link QueryConfig#maxStaleLag()} records behind in every store.
     */
    <T> Optional<T> read(int partition, boolean stale, Function<DirectoryStateReader, T> read);

    /** The stores of a Kafka Streams client, with its copies' lags cached briefly. */
    final class Kafka implements LocalState {

        private static final Duration LAG_CACHE = Duration.ofMillis(500);

        private record CachedLags(long atNanos, Map<String, Map<Integer, LagInfo>> lags) {
        }

        private final KafkaStreams streams;
        private final QueryConfig config;
        private final ReentrantLock lagLock = new ReentrantLock();
        private CachedLags lags;

        Kafka(KafkaStreams streams, QueryConfig config) {
            this.streams = streams;
            this.config = config;
        }

        @Override
        public <T> Optional<T> read(int partition, boolean stale, Function<DirectoryStateReader, T> read) {
            if (stale && !lagAcceptable(partition)) {
                return Optional.empty();
            }
            try {
                return Optional.of(read.apply(new DirectoryStateReader(
                        store(DsyncTopology.DIRECTORIES_STORE, partition, stale),
                        store(DsyncTopology.USERS_STORE, partition, stale),
                        store(DsyncTopology.GROUPS_STORE, partition, stale),
                        store(DsyncTopology.MEMBERSHIPS_STORE, partition, stale),
                        store(DsyncTopology.LAST_EVENTS_STORE, partition, stale))));
            } catch (InvalidStateStoreException e) {
                return Optional.empty();
            }
        }

        private <V> ReadOnlyKeyValueStore<String, V> store(String name, int partition, boolean stale) {
            StoreQueryParameters<ReadOnlyKeyValueStore<String, V>> q = StoreQueryParameters
                    .fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()).withPartition(partition);
            return streams.store(stale ? q.enableStaleStores() : q);
        }

        private boolean lagAcceptable(int partition) {
            Map<String, Map<Integer, LagInfo>> all = lags();
            if (all == null) {
                return false;
            }
            for (String store : DsyncTopology.QUERYABLE_STORES) {
                Map<Integer, LagInfo> byPartition = all.get(store);
                LagInfo lag = byPartition == null ? null : byPartition.get(partition);
                if (lag == null || lag.offsetLag() > config.maxStaleLag()) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Lags of this instance's copies, cached briefly: computing them asks the brokers for the change-logs' end
         * offsets, which must neither happen per request nor hang one, hence the timeout.
         */
        private Map<String, Map<Integer, LagInfo>> lags() {
            lagLock.lock();
            try {
                if (lags == null || System.nanoTime() - lags.atNanos() >= LAG_CACHE.toNanos()) {
                    Map<String, Map<Integer, LagInfo>> value = null;
                    try {
                        value = CompletableFuture.supplyAsync(streams::allLocalStorePartitionLags,
                                r -> Thread.ofVirtual().name("query-store-lags").start(r))
                                .get(config.forwardTimeout().toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (ExecutionException | TimeoutException e) {
                        // lags unknown: no stale reads until the next try
                    }
                    lags = new CachedLags(System.nanoTime(), value);
                }
                return lags.lags();
            } finally {
                lagLock.unlock();
            }
        }
    }
}
