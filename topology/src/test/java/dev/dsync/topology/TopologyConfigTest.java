package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

class TopologyConfigTest {

    @Test
    void defaults() {
        TopologyConfig c = TopologyConfig.fromEnv(Map.of());
        assertThat(c.bootstrapServers()).isEqualTo("127.0.0.1:9092");
        assertThat(c.applicationId()).isEqualTo("dsync-topology");
        assertThat(c.inactiveUsers()).isEqualTo(InactiveUserPolicy.RETAIN);
        assertThat(c.tombstoneRetention()).isEqualTo(Duration.ofDays(4));
        assertThat(c.purgeInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(c.processingGuarantee()).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        Properties p = c.toStreamsProperties();
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(p).doesNotContainKey(StreamsConfig.APPLICATION_SERVER_CONFIG);
    }

    @Test
    void readsTheEnvironment() {
        TopologyConfig c = TopologyConfig.fromEnv(Map.of(
                "DSYNC_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
                "DSYNC_APPLICATION_ID", "app",
                "DSYNC_STATE_DIR", "/var/lib/dsync",
                "DSYNC_INACTIVE_USERS", "Delete",
                "DSYNC_TOMBSTONE_RETENTION", "PT8H",
                "DSYNC_NUM_STANDBY_REPLICAS", "1",
                "DSYNC_APPLICATION_SERVER", "host-a:8081",
                "DSYNC_COMMIT_INTERVAL", "PT1S",
                "DSYNC_STREAMS_CONSUMER_SESSION_TIMEOUT_MS", "6000"));
        assertThat(c.inactiveUsers()).isEqualTo(InactiveUserPolicy.DELETE);
        assertThat(c.tombstoneRetention()).isEqualTo(Duration.ofHours(8));
        assertThat(c.purgeInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(c.stateDir()).isEqualTo(Path.of("/var/lib/dsync"));
        Properties p = c.toStreamsProperties();
        assertThat(p.get(StreamsConfig.APPLICATION_SERVER_CONFIG)).isEqualTo("host-a:8081");
        assertThat(p.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
        assertThat(p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(1000L);
        assertThat(p.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("app");
        assertThat(p.get("consumer.session.timeout.ms")).isEqualTo("6000");
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("DSYNC_INACTIVE_USERS", "keep")))
                .hasMessageContaining("retain or delete");
        assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("DSYNC_TOMBSTONE_RETENTION", "4 days")))
                .hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("DSYNC_TOMBSTONE_RETENTION", "PT0S")))
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("DSYNC_NUM_STANDBY_REPLICAS", "one")))
                .hasMessageContaining("DSYNC_NUM_STANDBY_REPLICAS").hasMessageContaining("integer");
        assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("DSYNC_PROVISIONING", "maybe")))
                .hasMessageContaining("DSYNC_PROVISIONING must be on or off");
        assertThatThrownBy(() -> TopologyConfig.fromEnv(Map.of("DSYNC_COMMIT_INTERVAL", "1s")))
                .hasMessageContaining("DSYNC_COMMIT_INTERVAL").hasMessageContaining("ISO-8601");
    }

    @Test
    void theTopologyIsOneSubTopologyWithNamedNodes() {
        TopologyDescription d = DsyncTopology.build(TopologyConfig.defaults()).describe();
        assertThat(d.subtopologies()).hasSize(1);
        assertThat(d.subtopologies().iterator().next().nodes()).extracting(TopologyDescription.Node::name)
                .containsExactlyInAnyOrder(DsyncTopology.SOURCE, DsyncTopology.PARSE,
                        DsyncTopology.APPLY, DsyncTopology.DEAD_LETTER_SINK, DsyncTopology.DIRECTORIES_SINK,
                        DsyncTopology.USERS_SINK, DsyncTopology.GROUPS_SINK, DsyncTopology.MEMBERSHIPS_SINK,
                        DsyncTopology.PROVISIONING_SINK);
    }

    @Test
    void theInputTopicIsTheSameSettingTheGatewayWritesTo() {
        assertThat(TopologyConfig.fromEnv(Map.of()).eventsTopic()).isEqualTo(dev.dsync.events.Topics.EVENTS);
        TopologyConfig c = TopologyConfig.fromEnv(Map.of("DSYNC_EVENTS_TOPIC", "acme.workos.events"));
        assertThat(c.eventsTopic()).isEqualTo("acme.workos.events");
        TopologyDescription.Source source = (TopologyDescription.Source) DsyncTopology.build(c).describe()
                .subtopologies().iterator().next().nodes().stream()
                .filter(n -> n.name().equals(DsyncTopology.SOURCE)).findFirst().orElseThrow();
        assertThat(source.topicSet()).containsExactly("acme.workos.events");
    }

    @Test
    void theProducerAcceptsEveryValueTheProcessorsLetThrough() {
        Properties p = TopologyConfig.fromEnv(Map.of()).toStreamsProperties();
        assertThat(p.get(StreamsConfig.producerPrefix("max.request.size")))
                .isEqualTo(dev.dsync.events.Topics.MAX_RECORD_BYTES);
        assertThat(p.get(StreamsConfig.topicPrefix("max.message.bytes")))
                .isEqualTo(String.valueOf(dev.dsync.events.Topics.MAX_RECORD_BYTES));
        assertThat(p.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG))
                .isEqualTo(ProductionErrors.class.getName());
        assertThat(dev.dsync.topology.processing.EventInterpreter.MAX_VALUE_BYTES)
                .isLessThan(dev.dsync.events.Topics.MAX_RECORD_BYTES);
    }
}
