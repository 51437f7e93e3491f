package dev.dsync.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
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
}
