package dev.dsync.topology.state;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.Options;

/**
 * RocksDB options for dsync's stores, on top of Kafka Streams' own ({@code rocksdb.config.setter}).
 *
 * <p>Streams tunes RocksDB for reads that find their key: it keeps no Bloom filter for the largest sorted run
 * ({@code optimize_filters_for_hits}), and looks a key up in the memtables by searching them. Most of dsync's reads
 * find nothing: every creation, every new membership and every copy check asks for a key that is not there yet. The
 * profile of an initial sync showed those misses reading an index and a data block of the largest run, and searching
 * the memtables, for a third of the stream thread's time. So filters are kept for every run, and the memtables get a
 * whole-key Bloom filter, which answers most misses there with a few hashed bits.
 */
public final class StoreOptions implements RocksDBConfigSetter {

    /** Share of a memtable's size spent on its Bloom filter (RocksDB's suggested ratio: 10%). */
    static final double MEMTABLE_FILTER_RATIO = 0.1;

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        options.setOptimizeFiltersForHits(false);
        options.setMemtableWholeKeyFiltering(true);
        options.setMemtablePrefixBloomSizeRatio(MEMTABLE_FILTER_RATIO);
    }

    @Override
    public void close(String storeName, Options options) {
        // nothing was created here that the options do not own
    }
}
