package dev.dsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JdbcTargetTest {

    @Test
    void fromEnvironment() {
        assertThat(JdbcTarget.fromEnvironment(Map.of())).isEmpty();
        assertThat(JdbcTarget.fromEnvironment(Map.of("DSYNC_JDBC_URL", " "))).isEmpty();
        assertThat(JdbcTarget.fromEnvironment(Map.of("DSYNC_JDBC_URL", "jdbc:postgresql://db:5432/mirror")))
                .contains(new JdbcTarget("jdbc:postgresql://db:5432/mirror", "dsync", "dsync"));
        assertThat(JdbcTarget.fromEnvironment(Map.of("DSYNC_JDBC_URL", "jdbc:postgresql://db/mirror",
                "DSYNC_JDBC_USER", "app", "DSYNC_JDBC_PASSWORD", "s3cret")))
                .contains(new JdbcTarget("jdbc:postgresql://db/mirror", "app", "s3cret"));
        assertThatThrownBy(() -> JdbcTarget.fromEnvironment(Map.of("DSYNC_JDBC_URL", "jdbc:mysql://db/x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new JdbcTarget("jdbc:postgresql://db/x", "", "p"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void psqlCommandLeavesThePasswordOutAndToStringHidesIt() {
        JdbcTarget t = new JdbcTarget("jdbc:postgresql://db.internal:6432/mirror?sslmode=require", "app user", "s3cret");
        assertThat(t.psqlCommand()).isEqualTo("psql postgresql://app%20user@db.internal:6432/mirror");
        assertThat(t.postgresUri(true)).isEqualTo("postgresql://app%20user:s3cret@db.internal:6432/mirror");
        assertThat(t.toString()).doesNotContain("s3cret");
        assertThat(new JdbcTarget("jdbc:postgresql://db/mirror", "u", "p").psqlCommand())
                .isEqualTo("psql postgresql://u@db/mirror");
    }

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
                .containsEntry("config.providers", "env");
        assertThat(ConnectWorker.dsyncConnectorNames()).containsExactly("dsync-directories-sink", "dsync-users-sink",
                "dsync-groups-sink", "dsync-group-memberships-sink");
    }
}
