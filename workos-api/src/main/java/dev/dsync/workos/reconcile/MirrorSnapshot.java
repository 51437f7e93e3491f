package dev.dsync.workos.reconcile;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The mirror as downstream services see it: the change-log topics read to their end (committed records only), one
 * small entry per live row. This is the side of a reconciliation that WorkOS's listing is compared with. It is read
 * from Kafka rather than from the stores so that any instance can run a reconciliation for every directory.
 */
public final class MirrorSnapshot {

    /**
     * One live row.
     *
     * @param fingerprint {@link Canonical}'s fingerprint (0 for memberships)
     * @param updatedAt   the row's {@code updated_at}, or null
     * @param lastEventAt the time of the event the row is from
     * @param json        kept for directories only (a repair carries their {@code domains} over)
     */
    public record Row(String directoryId, long fingerprint, Instant updatedAt, Instant lastEventAt, JsonNode json) {
    }

    /** One directory's rows; membership ids are {@code group_id/user_id}. */
    public static final class Directory {
        public Row directory;
        public final Map<String, Row> users = new HashMap<>();
        public final Map<String, Row> groups = new HashMap<>();
        public final Map<String, Row> memberships = new HashMap<>();
    }

    private final Map<String, Directory> directories;

    private MirrorSnapshot(Map<String, Directory> directories) {
        this.directories = directories;
    }

    public static MirrorSnapshot empty() {
        return new MirrorSnapshot(new HashMap<>());
    }

    /** The directories with at least one row (a directory known from its users only counts too). */
    public Map<String, Directory> directories() {
        return directories;
    }

    public Directory directory(String id) {
        return directories.getOrDefault(id, new Directory());
    }

    /** Reads the four change-log topics to their end; fails rather than return a partial mirror. */
    public static MirrorSnapshot read(String bootstrapServers, Duration timeout) {
        Map<String, Row> dirs = new HashMap<>();
        Map<String, Row> users = new HashMap<>();
        Map<String, Row> groups = new HashMap<>();
        Map<String, Row> memberships = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000,
                ConsumerConfig.CLIENT_ID_CONFIG, "dsync-reconciliation-mirror"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            read(consumer, Topics.DIRECTORIES, timeout, r -> put(dirs, r, Canonical::directory, true));
            read(consumer, Topics.USERS, timeout, r -> put(users, r, Canonical::user, false));
            read(consumer, Topics.GROUPS, timeout, r -> put(groups, r, Canonical::group, false));
            read(consumer, Topics.MEMBERSHIPS, timeout, r -> putMembership(memberships, r));
        }
        Map<String, Directory> byDirectory = new HashMap<>();
        dirs.forEach((id, row) -> byDirectory.computeIfAbsent(row.directoryId(), k -> new Directory()).directory = row);
        users.forEach((id, row) -> byDirectory.computeIfAbsent(row.directoryId(), k -> new Directory()).users.put(id, row));
        groups.forEach((id, row) -> byDirectory.computeIfAbsent(row.directoryId(), k -> new Directory()).groups.put(id, row));
        memberships.forEach((id, row) ->
                byDirectory.computeIfAbsent(row.directoryId(), k -> new Directory()).memberships.put(id, row));
        return new MirrorSnapshot(byDirectory);
    }

    private static void read(KafkaConsumer<byte[], byte[]> consumer, String topic, Duration timeout,
                             Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
            }
            consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    sink.accept(r);
                }
            });
        }
    }

    private interface Fingerprint {
        long of(JsonNode json);
    }

    private static void put(Map<String, Row> rows, ConsumerRecord<byte[], byte[]> r, Fingerprint fingerprint,
                            boolean keepJson) {
        if (r.key() == null) {
            return;
        }
        String id = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
        JsonNode value = parse(r.value());
        if (value == null) {
            rows.remove(id);
            return;
        }
        String dir = Canonical.text(value, keepJson ? "id" : "directory_id");
        if (dir == null) {
            return;
        }
        rows.put(id, new Row(dir, fingerprint.of(value), Canonical.instant(value, "updated_at").orElse(null),
                Canonical.instant(value, "last_event_at").orElse(null), keepJson ? value : null));
    }

    private static void putMembership(Map<String, Row> rows, ConsumerRecord<byte[], byte[]> r) {
        JsonNode key = parse(r.key());
        if (key == null) {
            return;
        }
        String id = membershipId(Canonical.text(key, "group_id"), Canonical.text(key, "user_id"));
        JsonNode value = parse(r.value());
        if (value == null) {
            rows.remove(id);
            return;
        }
        String dir = Canonical.text(value, "directory_id");
        if (dir != null) {
            rows.put(id, new Row(dir, 0, null, Canonical.instant(value, "last_event_at").orElse(null), null));
        }
    }

    public static String membershipId(String groupId, String userId) {
        return groupId + "/" + userId;
    }

    private static JsonNode parse(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            JsonNode node = EventParser.MAPPER.readTree(bytes);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }
}
