package dev.dsync.workos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventsApiConfigTest {

    @Test
    void offWithoutAKeyOnWithOne() {
        assertThat(EventsApiConfig.fromEnv(Map.of())).isEmpty();
        // with a key and the Events API off, bootstrap and reconciliation still run
        EventsApiConfig noEvents = EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "sk_test_x", "DSYNC_EVENTS_API", "off"))
                .orElseThrow();
        assertThat(noEvents.followEvents()).isFalse();
        assertThat(EventsApiConfig.fromEnv(Map.of("DSYNC_EVENTS_API", "off"))).isEmpty();
        assertThatThrownBy(() -> EventsApiConfig.fromEnv(Map.of("DSYNC_EVENTS_API", "on")))
                .hasMessageContaining("WORKOS_API_KEY");

        EventsApiConfig config = EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "sk_test_secret_value")).orElseThrow();
        assertThat(config.client().baseUrl()).isEqualTo(URI.create("https://api.workos.com"));
        assertThat(config.client().maxRps()).isEqualTo(20);
        assertThat(config.poller().pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.poller().eventsTopic()).isEqualTo("workos.dsync.events");
        assertThat(config.poller().cursorTopic()).isEqualTo("dsync.workos.cursor");
        assertThat(config.poller().startAt()).isNull();
        assertThat(config.followEvents()).isTrue();
        assertThat(config.reconcileInterval()).isEqualTo(Duration.ofHours(6));
        assertThat(config.reconciliationsTopic()).isEqualTo("dsync.reconciliations");
        assertThat(config.toString()).doesNotContain("sk_test_secret_value");
    }

    @Test
    void readsEverySetting() {
        EventsApiConfig config = EventsApiConfig.fromEnv(Map.of(
                "WORKOS_API_KEY", "sk_test_x", "WORKOS_API_URL", "https://api.workos-test.com",
                "DSYNC_EVENTS_POLL_INTERVAL", "PT2S", "DSYNC_WORKOS_MAX_RPS", "7.5",
                "DSYNC_EVENTS_START_AT", "2026-11-01T00:00:00Z", "DSYNC_EVENTS_TOPIC", "in",
                "DSYNC_WORKOS_CURSOR_TOPIC", "cur", "DSYNC_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")).orElseThrow();
        assertThat(config.client().baseUrl()).isEqualTo(URI.create("https://api.workos-test.com"));
        assertThat(config.client().maxRps()).isEqualTo(7.5);
        assertThat(config.poller().pollInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.poller().startAt()).isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(config.poller().eventsTopic()).isEqualTo("in");
        assertThat(config.poller().cursorTopic()).isEqualTo("cur");
        assertThat(config.poller().bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "k", "DSYNC_EVENTS_POLL_INTERVAL", "10"))
                .orElseThrow().poller().pollInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "k", "DSYNC_RECONCILE_INTERVAL", "off"))
                .orElseThrow().reconcileInterval()).isNull();
        assertThat(EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "k", "DSYNC_RECONCILE_INTERVAL", "PT30M"))
                .orElseThrow().reconcileInterval()).isEqualTo(Duration.ofMinutes(30));
        assertThatThrownBy(() -> EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "k", "DSYNC_RECONCILE_INTERVAL", "soon")))
                .hasMessageContaining("DSYNC_RECONCILE_INTERVAL");
        assertThatThrownBy(() -> EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "k", "DSYNC_RECONCILE_INTERVAL", "PT0S")))
                .hasMessageContaining("DSYNC_RECONCILE_INTERVAL");
        assertThatThrownBy(() -> EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "k", "DSYNC_WORKOS_MAX_RPS", "fast")))
                .hasMessageContaining("DSYNC_WORKOS_MAX_RPS");
        assertThatThrownBy(() -> EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "k", "DSYNC_EVENTS_START_AT", "today")))
                .hasMessageContaining("DSYNC_EVENTS_START_AT").hasMessageContaining("ISO-8601 instant");
        assertThatThrownBy(() -> EventsApiConfig.fromEnv(Map.of("WORKOS_API_KEY", "k", "DSYNC_TOPIC_PARTITIONS", "x")))
                .hasMessageContaining("DSYNC_TOPIC_PARTITIONS");
    }
}
