package dev.dsync.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dsync.events.config.DsyncEnv;
import dev.dsync.events.config.Setting;
import dev.dsync.events.config.SettingException;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gateway reads its declared settings through Helidon Config; application.yaml holds the declared defaults. */
class GatewayConfigTest {

    static Config config(Map<String, String> overrides) {
        return Config.builder().disableEnvironmentVariablesSource().disableSystemPropertiesSource()
                .sources(List.of(ConfigSources.create(overrides), ConfigSources.classpath("application.yaml")))
                .build();
    }

    @Test
    void applicationYamlHoldsTheDeclaredDefaults() {
        Config yaml = config(Map.of());
        for (Setting<?> s : DsyncEnv.GATEWAY) {
            if (s == DsyncEnv.WEBHOOK_SECRET) {
                assertThat(yaml.get(s.configKey()).asString().get()).isEmpty();
                continue;
            }
            assertThat(s.parse(yaml.get(s.configKey()).asString().get())).as(s.name()).isEqualTo(s.defaultValue());
        }
    }

    @Test
    void readsEverySettingWithDefaults() {
        GatewayConfig d = GatewayConfig.from(config(Map.of("workos.webhook.secret", "a, b")));
        assertThat(d.secrets()).containsExactly("a", "b");
        assertThat(d.port()).isEqualTo(8080);
        assertThat(d.host()).isEqualTo("0.0.0.0");
        assertThat(d.maxBodyBytes()).isEqualTo(1024 * 1024);
        assertThat(d.signatureTolerance()).isEqualTo(Duration.ofSeconds(180));
        assertThat(d.ackTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(d.maxInFlight()).isEqualTo(256);
        assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.eventsTopic()).isEqualTo("workos.dsync.events");
        assertThat(d.otherEventsTopic()).isEqualTo("workos.events.other");
        assertThat(d.topicPartitions()).isEqualTo(3);
        assertThat(d.topicReplicationFactor()).isEqualTo((short) 1);
        GatewayConfig c = GatewayConfig.fromEnv(Map.of("WORKOS_WEBHOOK_SECRET", "s", "DSYNC_GATEWAY_PORT", "9090",
                "DSYNC_GATEWAY_ACK_TIMEOUT_MS", "250", "DSYNC_TOPIC_REPLICATION_FACTOR", "3",
                "DSYNC_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "DSYNC_EVENTS_TOPIC", "in"));
        assertThat(c.port()).isEqualTo(9090);
        assertThat(c.ackTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.topicReplicationFactor()).isEqualTo((short) 3);
        assertThat(c.bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(c.eventsTopic()).isEqualTo("in");
    }

    @Test
    void aBadValueNamesTheVariable() {
        assertThatThrownBy(() -> GatewayConfig.from(config(Map.of("workos.webhook.secret", "s",
                "dsync.gateway.port", "http")))).isInstanceOf(SettingException.class)
                .hasMessageContaining("DSYNC_GATEWAY_PORT").hasMessageContaining("integer");
        assertThatThrownBy(() -> GatewayConfig.fromEnv(Map.of("WORKOS_WEBHOOK_SECRET", "s",
                "DSYNC_GATEWAY_MAX_IN_FLIGHT", "0"))).hasMessageContaining("DSYNC_GATEWAY_MAX_IN_FLIGHT");
        assertThatThrownBy(() -> GatewayConfig.from(config(Map.of()))).hasMessageContaining("WORKOS_WEBHOOK_SECRET");
    }
}
