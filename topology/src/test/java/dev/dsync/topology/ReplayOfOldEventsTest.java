package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.events.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replaying events older than the seen-events retention must not stamp that store's changelog (cleanup policy
 * compact,delete) with their event time: the broker would delete those records at once and a restore would fail.
 * The change-log outputs still carry the event time.
 */
class ReplayOfOldEventsTest {

    @TempDir
    Path stateDir;

    @Test
    void seenEventsChangelogUsesTheReceiveTimeAndOutputsTheEventTime() {
        TopologyConfig config = Harness.config(stateDir);
        Instant received = Instant.parse("2026-11-26T07:00:00Z");
        try (TopologyTestDriver driver = new TopologyTestDriver(DsyncTopology.build(config, new TopologyMetrics()),
                config.toStreamsProperties(), received)) {
            var input = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
            // an event from May 2026, half a year older than the 4-day retention, replayed now
            String event = TestEvents.user("dsync.user.created", "event_old_1", 0, "directory_old", "directory_user_1",
                    "active", "Zoë", 0);
            input.pipeInput(new TestRecord<>("directory_old", event.getBytes(StandardCharsets.UTF_8), received));

            String changelog = config.applicationId() + "-" + DsyncTopology.SEEN_EVENTS_STORE + "-changelog";
            assertThat(driver.producedTopicNames()).contains(changelog);
            List<TestRecord<byte[], byte[]>> seen = driver.createOutputTopic(changelog, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readRecordsToList();
            assertThat(seen).hasSize(1);
            assertThat(seen.get(0).getRecordTime()).isEqualTo(received);

            List<TestRecord<byte[], byte[]>> users = driver.createOutputTopic(Topics.USERS, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer()).readRecordsToList();
            assertThat(users).hasSize(1);
            assertThat(users.get(0).getRecordTime()).isEqualTo(TestEvents.BASE);
        }
    }
}
