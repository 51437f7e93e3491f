package dev.dsync.events.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a declared setting reads a value: trimming, blanks, defaults, and errors that name the variable. */
class SettingTest {

    @Test
    void unsetOrBlankIsTheDefaultAndValuesAreTrimmed() {
        assertThat(DsyncEnv.QUERY_PORT.get(Map.of())).isEqualTo(8081);
        assertThat(DsyncEnv.QUERY_PORT.get(Map.of("DSYNC_QUERY_PORT", "  "))).isEqualTo(8081);
        assertThat(DsyncEnv.QUERY_PORT.get(Map.of("DSYNC_QUERY_PORT", " 9000 "))).isEqualTo(9000);
        assertThat(DsyncEnv.QUERY_PORT.optional(Map.of())).isEmpty();
        assertThat(DsyncEnv.JDBC_PASSWORD.get(Map.of("DSYNC_JDBC_PASSWORD", ""))).isEmpty();
        assertThat(DsyncEnv.JDBC_PASSWORD.get(Map.of("DSYNC_JDBC_PASSWORD", " p "))).isEqualTo(" p ");
    }

    @Test
    void everyParser() {
        assertThat(DsyncEnv.PROVISIONING.parse("OFF")).isFalse();
        assertThat(DsyncEnv.PROVISIONING.parse("true")).isTrue();
        assertThat(DsyncEnv.EVENTS_API.parse("yes")).isTrue();
        assertThat(DsyncEnv.RECONCILE_INTERVAL.parse("off")).isNull();
        assertThat(DsyncEnv.RECONCILE_INTERVAL.parse("60")).isEqualTo(Duration.ofMinutes(1));
        assertThat(DsyncEnv.EVENTS_POLL_INTERVAL.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DsyncEnv.EVENTS_START_AT.parse("2026-11-01T00:00:00Z"))
                .isEqualTo(Instant.parse("2026-11-01T00:00:00Z"));
        assertThat(DsyncEnv.WORKOS_API_URL.parse("http://127.0.0.1:8090")).isEqualTo(URI.create("http://127.0.0.1:8090"));
        assertThat(DsyncEnv.INACTIVE_USERS.parse("DELETE")).isEqualTo("delete");
        assertThat(DsyncEnv.WEBHOOK_SECRET.parse("a, b,,")).isEqualTo(List.of("a", "b"));
        assertThat(DsyncEnv.WORKOS_MAX_RPS.parse("7.5")).isEqualTo(7.5);
        assertThat(DsyncEnv.STREAMS.properties(Map.of("DSYNC_STREAMS_CONSUMER_SESSION_TIMEOUT_MS", " 6000",
                "DSYNC_STREAMS_", "x"))).isEqualTo(Map.of("consumer.session.timeout.ms", "6000"));
        assertThat(DsyncEnv.GATEWAY_MAX_BODY_BYTES.configKey()).isEqualTo("dsync.gateway.max.body.bytes");
    }

    @Test
    void aBadValueNamesTheVariableAndTheExpectedForm() {
        assertThatThrownBy(() -> DsyncEnv.QUERY_PORT.get(Map.of("DSYNC_QUERY_PORT", "x")))
                .isInstanceOf(SettingException.class)
                .hasMessage("DSYNC_QUERY_PORT must be an integer between 0 and 65535, not 'x'");
        assertThatThrownBy(() -> DsyncEnv.QUERY_PORT.parse("70000")).hasMessageContaining("between 0 and 65535");
        assertThatThrownBy(() -> DsyncEnv.TOMBSTONE_RETENTION.parse("PT0S"))
                .hasMessageContaining("DSYNC_TOMBSTONE_RETENTION").hasMessageContaining("positive");
        assertThatThrownBy(() -> DsyncEnv.RECONCILE_INTERVAL.parse("-5")).hasMessageContaining("or off");
        assertThatThrownBy(() -> DsyncEnv.RECONCILE_INTERVAL.parse("PT0S"))
                .hasMessageContaining("DSYNC_RECONCILE_INTERVAL");
        assertThatThrownBy(() -> DsyncEnv.INACTIVE_USERS.parse("keep")).hasMessageContaining("retain or delete");
        assertThatThrownBy(() -> DsyncEnv.PROVISIONING.parse("maybe")).hasMessageContaining("on or off");
        assertThatThrownBy(() -> DsyncEnv.EVENTS_START_AT.parse("yesterday")).hasMessageContaining("ISO-8601 instant");
        assertThatThrownBy(() -> DsyncEnv.WORKOS_MAX_RPS.parse("0")).hasMessageContaining("positive number");
        assertThatThrownBy(() -> DsyncEnv.TOPIC_REPLICATION_FACTOR.parse("40000")).hasMessageContaining("32767");
        // a secret is never echoed
        Setting<Integer> secret = Setting.of("X_SECRET", Parser.port(), 1, "", "", "").secret();
        assertThatThrownBy(() -> secret.parse("s3cret")).hasMessageContaining("X_SECRET")
                .hasMessageNotContaining("s3cret");
    }
}
