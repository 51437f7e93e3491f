package dev.dsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dsync.connect.JdbcTarget;
import dev.dsync.connect.MirrorResources;
import dev.dsync.connect.SinkSupervisor;
import dev.dsync.events.config.DsyncEnv;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * connect-config names its variables itself (the sink supervisor runs in Kafka's image without dsync-events, and
 * the connector files use them as Connect placeholders): they are the declared ones. And the embedded mirror's
 * settings from the environment.
 */
class DsyncEnvNamesTest {

    @Test
    void connectConfigUsesTheDeclaredNamesAndDefaults() {
        assertThat(SinkSupervisor.CONNECT_URL_ENV).isEqualTo(DsyncEnv.CONNECT_URL.name());
        assertThat(SinkSupervisor.DEFAULT_CONNECT_URL).isEqualTo(DsyncEnv.CONNECT_URL.defaultValue().toString());
        assertThat(MirrorResources.JDBC_URL_VAR).isEqualTo(DsyncEnv.JDBC_URL.name());
        assertThat(MirrorResources.JDBC_USER_VAR).isEqualTo(DsyncEnv.JDBC_USER.name());
        assertThat(MirrorResources.JDBC_PASSWORD_VAR).isEqualTo(DsyncEnv.JDBC_PASSWORD.name());
    }

    @Test
    void theMirrorSettingsFromTheEnvironment() {
        PostgresMirror.Settings defaults = PostgresMirror.Settings.fromEnvironment("k:9092", Path.of("d"), Map.of());
        assertThat(defaults.postgresPort()).isEqualTo(15432);
        assertThat(defaults.connectRestPort()).isEqualTo(8083);
        assertThat(defaults.external()).isEmpty();
        PostgresMirror.Settings set = PostgresMirror.Settings.fromEnvironment("k:9092", Path.of("d"), Map.of(
                "DSYNC_PG_PORT", "5433", "DSYNC_CONNECT_PORT", "9083", "DSYNC_JDBC_URL", " jdbc:postgresql://db/x ",
                "DSYNC_JDBC_PASSWORD", ""));
        assertThat(set.postgresPort()).isEqualTo(5433);
        assertThat(set.connectRestPort()).isEqualTo(9083);
        assertThat(set.external()).isEqualTo(Optional.of(new JdbcTarget("jdbc:postgresql://db/x", "dsync", "")));
        assertThatThrownBy(() -> PostgresMirror.Settings.fromEnvironment("k", Path.of("d"),
                Map.of("DSYNC_PG_PORT", "postgres"))).hasMessageContaining("DSYNC_PG_PORT")
                .hasMessageContaining("integer");
    }
}
