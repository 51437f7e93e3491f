package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dsync.events.config.DsyncEnv;
import dev.dsync.launcher.simulate.Simulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** What {@code ./dsync} reads from the environment, and the exit status 2 on a value of the wrong form. */
class LauncherSettingsTest {

    @Test
    void localSettingsFromTheEnvironment(@TempDir Path dir) {
        LocalStack.LocalSettings d = LocalStack.LocalSettings.fromEnvironment(dir, Map.of());
        assertThat(d.kafkaPort()).isEqualTo(9092);
        assertThat(d.externalKafka()).isNull();
        assertThat(d.topicPartitions()).isEqualTo(3);
        assertThat(d.gatewayPort()).isEqualTo(8080);
        assertThat(d.queryPort()).isEqualTo(8081);
        assertThat(d.postgresPort()).isEqualTo(15432);
        assertThat(d.connectPort()).isEqualTo(8083);
        assertThat(d.externalDatabase()).isEmpty();
        LocalStack.LocalSettings s = LocalStack.LocalSettings.fromEnvironment(dir, Map.of(
                "DSYNC_KAFKA_BOOTSTRAP_SERVERS", " kafka:9092 ", "DSYNC_KAFKA_PORT", "19092",
                "DSYNC_TOPIC_PARTITIONS", "6", "DSYNC_GATEWAY_PORT", "18080", "DSYNC_QUERY_PORT", "18081",
                "DSYNC_PG_PORT", "25432", "DSYNC_CONNECT_PORT", "18083",
                "DSYNC_JDBC_URL", "jdbc:postgresql://db:5432/dsync"));
        assertThat(s.externalKafka()).isEqualTo("kafka:9092");
        assertThat(s.kafkaPort()).isEqualTo(19092);
        assertThat(s.topicPartitions()).isEqualTo(6);
        assertThat(s.gatewayPort()).isEqualTo(18080);
        assertThat(s.queryPort()).isEqualTo(18081);
        assertThat(s.postgresPort()).isEqualTo(25432);
        assertThat(s.connectPort()).isEqualTo(18083);
        assertThat(s.externalDatabase()).get().extracting(t -> t.url()).isEqualTo("jdbc:postgresql://db:5432/dsync");
        assertThatThrownBy(() -> LocalStack.LocalSettings.fromEnvironment(dir, Map.of("DSYNC_KAFKA_PORT", "ninety")))
                .hasMessageContaining("DSYNC_KAFKA_PORT").hasMessageContaining("integer");
        assertThatThrownBy(() -> LocalStack.LocalSettings.fromEnvironment(dir, Map.of("DSYNC_TOPIC_PARTITIONS", "0")))
                .hasMessageContaining("DSYNC_TOPIC_PARTITIONS");
    }

    @Test
    void simulateReadsThePortsAndThePolicy(@TempDir Path dir) throws Exception {
        Simulator.Options o = Simulator.Options.from(10, 1, 2, 30, Map.of("WORKOS_WEBHOOK_SECRET", "s1,s2",
                "DSYNC_GATEWAY_PORT", "18080", "DSYNC_QUERY_TOKEN", "t"), dir);
        assertThat(o.webhookEndpoint().getPort()).isEqualTo(18080);
        assertThat(o.queryBase().getPort()).isEqualTo(8081);
        assertThat(o.webhookSecret()).isEqualTo("s1");
        assertThat(o.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:15432/dsync");
        assertThatThrownBy(() -> Simulator.Options.from(10, 1, 2, 30, Map.of("WORKOS_WEBHOOK_SECRET", "s",
                "DSYNC_INACTIVE_USERS", "keep"), dir)).hasMessageContaining("DSYNC_INACTIVE_USERS");
    }

    @Command(name = "bad")
    static final class ReadsABadSetting implements Callable<Integer> {
        @Override
        public Integer call() {
            return DsyncEnv.QUERY_PORT.get(Map.of("DSYNC_QUERY_PORT", "eighty"));
        }
    }

    @Test
    void aBadSettingExitsWithTwoAndNamesTheVariable() {
        CommandLine commandLine = Dsync.withHandlers(new CommandLine(new ReadsABadSetting()));
        StringWriter err = new StringWriter();
        commandLine.setErr(new PrintWriter(err));
        assertThat(commandLine.execute()).isEqualTo(2);
        assertThat(err.toString()).contains("DSYNC_QUERY_PORT must be an integer between 0 and 65535, not 'eighty'");
    }
}
