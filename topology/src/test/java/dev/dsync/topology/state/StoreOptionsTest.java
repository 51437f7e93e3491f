package dev.dsync.topology.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.topology.TopologyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.rocksdb.Options;

class StoreOptionsTest {

    @Test
    void keepsFiltersForEveryRunAndFiltersTheMemtables() {
        try (Options options = new Options()) {
            options.setOptimizeFiltersForHits(true); // what Kafka Streams sets before it calls the setter
            new StoreOptions().setConfig("users", options, Map.of());
            assertThat(options.optimizeFiltersForHits()).isFalse();
            assertThat(options.memtableWholeKeyFiltering()).isTrue();
            assertThat(options.memtablePrefixBloomSizeRatio()).isEqualTo(StoreOptions.MEMTABLE_FILTER_RATIO);
        }
    }

    @Test
    void theTopologyUsesThem() {
        assertThat(TopologyConfig.defaults().toStreamsProperties().get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG))
                .isEqualTo(StoreOptions.class.getName());
    }

    /** A RocksDB store opened with these options still tells a missing key from a present one, before and after a flush. */
    @Test
    void aStoreWithThemFindsWhatIsThereAndNothingElse() throws Exception {
        Path dir = Files.createTempDirectory("store-options");
        Topology t = new Topology();
        t.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), "in");
        t.addProcessor("write", () -> new Processor<String, String, Object, Object>() {
            private KeyValueStore<Bytes, byte[]> store;

            @Override
            public void init(org.apache.kafka.streams.processor.api.ProcessorContext<Object, Object> context) {
                store = context.getStateStore("s");
            }

            @Override
            public void process(Record<String, String> record) {
                if (record.value().equals("write")) {
                    for (int i = 0; i < 20_000; i++) {
                        store.put(Bytes.wrap(("present-" + i).getBytes()), new byte[200]);
                    }
                }
                for (int i = 0; i < 20_000; i++) {
                    assertThat(store.get(Bytes.wrap(("present-" + i).getBytes()))).as("present-" + i).isNotNull();
                    assertThat(store.get(Bytes.wrap(("missing-" + i).getBytes()))).as("missing-" + i).isNull();
                }
            }
        }, "in");
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("s"), Serdes.Bytes(),
                Serdes.ByteArray()).withLoggingDisabled(), "write");
        java.util.Properties p = TopologyConfig.defaults().toStreamsProperties();
        p.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        try (TopologyTestDriver driver = new TopologyTestDriver(t, p)) {
            var in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            in.pipeInput("k", "write");
            // the driver commits after each record, which flushes the store's memtable to a file: now read from it
            in.pipeInput("k", "read");
        }
    }
}
