package dev.dsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.connect.MirrorSchema;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real embedded PostgreSQL: data kept across restarts, the dsync database and user, and the mirror's migration on
 * it. The migration's own cases (adoption, failures, concurrency) are tested in connect-config
 * ({@code MirrorSchemaTest}).
 */
@Tag("integration")
class LocalPostgresTest {

    @TempDir
    Path dir;

    @Test
    void dataAndAppliedMigrationsSurviveARestart() throws Exception {
        int port = EmbeddedKafka.freePort();
        try (LocalPostgres pg = LocalPostgres.start(dir, port)) {
            assertThat(pg.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + port + "/dsync");
            assertThat(pg.psqlCommand()).isEqualTo("psql postgresql://dsync:dsync@127.0.0.1:" + port + "/dsync");
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                assertThat(query(s, "SELECT current_user || '/' || current_database()")).isEqualTo("dsync/dsync");
                assertThat(query(s, "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'dsync'"))
                        .isEqualTo("UTF8");
            }
            assertThat(MirrorSchema.migrate(pg.target()).applied()).containsExactly(1);
            assertThat(MirrorSchema.migrate(pg.target()).applied()).isEmpty();
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO directories (id, name) VALUES ('directory_kept', 'Kept')");
            }
        }
        try (LocalPostgres pg = LocalPostgres.start(dir, port)) {   // same directory: no initdb, data still there
            assertThat(MirrorSchema.migrate(pg.target()).applied()).isEmpty();
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                assertThat(query(s, "SELECT name FROM directories WHERE id = 'directory_kept'")).isEqualTo("Kept");
                assertThat(query(s, "SELECT count(*) || ':' || min(version) || ':' || min(description) || ':'"
                        + " || bool_and(success) FROM flyway_schema_history")).isEqualTo("1:1:directory mirror:true");
            }
        }
    }

    private static String query(Statement s, String sql) throws Exception {
        try (var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
