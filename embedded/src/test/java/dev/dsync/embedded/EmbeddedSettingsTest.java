package dev.dsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.connect.JdbcTarget;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The settings {@code ./dsync up} gives the in-process mirror: ports, an external database, worker properties. */
class EmbeddedSettingsTest {

    @Test
    void mirrorSettingsFromEnvironment() {
        PostgresMirror.Settings defaults = PostgresMirror.Settings.fromEnvironment("k:9092", Path.of("d"), Map.of());
        assertThat(defaults.external()).isEmpty();
        assertThat(defaults.postgresPort()).isEqualTo(15432);
        assertThat(defaults.connectRestPort()).isEqualTo(8083);
        PostgresMirror.Settings custom = PostgresMirror.Settings.fromEnvironment("k:9092", Path.of("d"), Map.of(
                "DSYNC_JDBC_URL", "jdbc:postgresql://db/m", "DSYNC_PG_PORT", "25432", "DSYNC_CONNECT_PORT", "18083"));
        assertThat(custom.external()).isEqualTo(Optional.of(new JdbcTarget("jdbc:postgresql://db/m", "dsync", "dsync")));
        assertThat(custom.postgresPort()).isEqualTo(25432);
        assertThat(custom.connectRestPort()).isEqualTo(18083);
    }

    @Test
    void workerPropertiesForTheLauncher() {
        ConnectWorker w = new ConnectWorker("127.0.0.1:9092", Path.of("/tmp/x/connect"));
        Map<String, String> p = w.workerProperties();
        assertThat(w.restPort()).isEqualTo(8083);
        assertThat(p).containsEntry("listeners", "http://127.0.0.1:8083")
                .containsEntry("plugin.discovery", "service_load")
                .containsEntry("offset.storage.file.filename", "/tmp/x/connect/connect.offsets")
                .containsEntry("config.providers", "env")
                .containsEntry("consumer.isolation.level", "read_committed");
        assertThat(ConnectWorker.dsyncConnectorNames()).containsExactly("dsync-directories-sink", "dsync-users-sink",
                "dsync-groups-sink", "dsync-group-memberships-sink");
    }
}
