package dev.dsync.topology;

import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.events.config.DsyncEnv;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

/** A TopologyTestDriver over the real topology, with the change-log outputs collected as they appear. */
public final class Harness implements AutoCloseable {

    /** One change-log record as strings; a null value is a tombstone. */
    public record Out(String key, String value, long timestamp, Headers headers) {
        @Override
        public String toString() {
            return key + " => " + value;
        }
    }

    public final TopologyTestDriver driver;
    public final TopologyMetrics metrics = new TopologyMetrics();
    /** The input records' timestamp unless a test says otherwise: a minute before the driver's wall clock. */
    public static final Instant RECEIVED_AT = TestEvents.BASE.minusSeconds(60);
    private final TestInputTopic<String, byte[]> input;
    private final Map<String, TestOutputTopic<byte[], byte[]>> outputs = new LinkedHashMap<>();
    private final Map<String, List<Out>> seen = new LinkedHashMap<>();

    public Harness(Path stateDir, InactiveUserPolicy policy) {
        this(config(stateDir, Map.of("DSYNC_INACTIVE_USERS", policy.name())));
    }

    public Harness(TopologyConfig config) {
        driver = new TopologyTestDriver(DsyncTopology.build(config, metrics), config.toStreamsProperties(),
                TestEvents.BASE);
        input = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
        for (String topic : List.of(Topics.DIRECTORIES, Topics.USERS, Topics.GROUPS, Topics.MEMBERSHIPS,
                Topics.DEAD_LETTERS, Topics.PROVISIONING)) {
            outputs.put(topic, driver.createOutputTopic(topic, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()));
            seen.put(topic, new ArrayList<>());
        }
    }

    /** The tests' config, read as in production, with {@code env}'s variables on top ({@code DSYNC_PROVISIONING}). */
    public static TopologyConfig config(Path stateDir, Map<String, String> env) {
        return TopologyConfig.fromEnv(DsyncEnv.with(Map.of("DSYNC_KAFKA_BOOTSTRAP_SERVERS", "unused:9092",
                "DSYNC_APPLICATION_ID", "dsync-test", "DSYNC_STATE_DIR", stateDir.toString()), env));
    }

    /** Pipes an event keyed by its directory id, as the gateway does. */
    public Harness pipe(String json) {
        return pipe(directoryOf(json), json.getBytes(StandardCharsets.UTF_8));
    }

    static String directoryOf(String json) {
        try {
            return EventParser.parse(json.getBytes(StandardCharsets.UTF_8)).directoryId().orElse(null);
        } catch (EventParser.InvalidEventException e) {
            return null;
        }
    }

    public Harness pipe(String key, byte[] value) {
        return pipe(key, value, RECEIVED_AT);
    }

    /** Pipes a record whose Kafka timestamp (the gateway's receive time) is {@code receivedAt}. */
    public Harness pipe(String key, byte[] value, Instant receivedAt) {
        input.pipeInput(new TestRecord<>(key, value, receivedAt));
        drain();
        return this;
    }

    /** Pipes a record with the given {@code dsync-source} header, as the Events API poller would. */
    public Harness pipeFrom(String source, String json) {
        String key = directoryOf(json);
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders()
                .add("dsync-source", source.getBytes(StandardCharsets.UTF_8));
        input.pipeInput(new TestRecord<>(key, json.getBytes(StandardCharsets.UTF_8), headers, RECEIVED_AT));
        drain();
        return this;
    }

    public void advanceWallClock(Duration d) {
        driver.advanceWallClockTime(d);
        drain();
    }

    public Instant now() {
        return TestEvents.BASE;
    }

    /** Every record the topic has received so far. */
    public List<Out> all(String topic) {
        drain();
        return List.copyOf(seen.get(topic));
    }

    /** Records the topic received since the last call of {@code take} for it. */
    private final Map<String, Integer> taken = new LinkedHashMap<>();

    public List<Out> take(String topic) {
        List<Out> all = all(topic);
        int from = taken.getOrDefault(topic, 0);
        taken.put(topic, all.size());
        return all.subList(from, all.size());
    }

    /** The topic compacted: the last value of each key, tombstoned keys removed. */
    public Map<String, String> table(String topic) {
        Map<String, String> t = new LinkedHashMap<>();
        for (Out o : all(topic)) {
            if (o.value() == null) {
                t.remove(o.key());
            } else {
                t.put(o.key(), o.value());
            }
        }
        return t;
    }

    /** The last value of each key, tombstones included as null (what compaction keeps until delete.retention). */
    public Map<String, String> lastValues(String topic) {
        Map<String, String> t = new LinkedHashMap<>();
        for (Out o : all(topic)) {
            t.put(o.key(), o.value());
        }
        return t;
    }

    private void drain() {
        outputs.forEach((topic, out) -> {
            while (!out.isEmpty()) {
                TestRecord<byte[], byte[]> r = out.readRecord();
                seen.get(topic).add(new Out(str(r.key()), str(r.value()), r.timestamp(), r.headers()));
            }
        });
    }

    private static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** The groups the memberships store's by-user index lists for a user, in order. */
    public List<String> indexedGroups(String directoryId, String userId) {
        List<String> groups = new ArrayList<>();
        org.apache.kafka.streams.state.KeyValueStore<String, dev.dsync.topology.state.MembershipRecord> memberships =
                driver.getKeyValueStore(DsyncTopology.MEMBERSHIPS_STORE);
        try (var it = memberships.prefixScan(dev.dsync.topology.state.StateKeys.userMembershipsPrefix(directoryId,
                userId), new StringSerializer())) {
            it.forEachRemaining(kv -> groups.add(dev.dsync.topology.state.StateKeys.lastPart(kv.key)));
        }
        return groups;
    }

    @Override
    public void close() {
        driver.close();
    }
}
