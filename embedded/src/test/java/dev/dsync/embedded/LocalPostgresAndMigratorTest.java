package dev.dsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dsync.connect.MirrorResources;
import dev.dsync.connect.MirrorResources.Migration;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real embedded PostgreSQL: data kept across restarts, the dsync database and user, the migration. */
@Tag("integration")
class LocalPostgresAndMigratorTest {

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
            assertThat(SchemaMigrator.migrate(pg.target())).containsExactly(1);
            assertThat(SchemaMigrator.migrate(pg.target())).isEmpty();
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO directories (id, name) VALUES ('directory_kept', 'Kept')");
            }
        }
        try (LocalPostgres pg = LocalPostgres.start(dir, port)) {   // same directory: no initdb, data still there
            assertThat(SchemaMigrator.migrate(pg.target())).isEmpty();
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                assertThat(query(s, "SELECT name FROM directories WHERE id = 'directory_kept'")).isEqualTo("Kept");
                assertThat(query(s, "SELECT count(*) || ':' || min(version) || ':' || min(description)"
                        + " FROM dsync_schema_migrations")).isEqualTo("1:1:directory mirror");
            }
        }
    }

    @Test
    void theSchemaIsTheContract() throws Exception {
        try (LocalPostgres pg = LocalPostgres.start(dir, 0)) {
            SchemaMigrator.migrate(pg.target());
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                Map<String, String> columns = new TreeMap<>();
                try (var rs = s.executeQuery("""
                        SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
                        WHERE table_schema = 'public' AND table_name LIKE 'director%'""")) {
                    while (rs.next()) {
                        columns.put(rs.getString(1), rs.getString(2));
                    }
                }
                String ts = "timestamp with time zone";
                assertThat(columns).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                        Map.entry("directories.id", "text"), Map.entry("directories.organization_id", "text"),
                        Map.entry("directories.type", "text"), Map.entry("directories.state", "text"),
                        Map.entry("directories.name", "text"), Map.entry("directories.domains", "jsonb"),
                        Map.entry("directories.created_at", ts), Map.entry("directories.updated_at", ts),
                        Map.entry("directories.last_event_id", "text"), Map.entry("directories.last_event_at", ts),
                        Map.entry("directory_users.id", "text"), Map.entry("directory_users.directory_id", "text"),
                        Map.entry("directory_users.organization_id", "text"), Map.entry("directory_users.idp_id", "text"),
                        Map.entry("directory_users.email", "text"), Map.entry("directory_users.first_name", "text"),
                        Map.entry("directory_users.last_name", "text"), Map.entry("directory_users.name", "text"),
                        Map.entry("directory_users.state", "text"), Map.entry("directory_users.role", "text"),
                        Map.entry("directory_users.roles", "jsonb"), Map.entry("directory_users.custom_attributes", "jsonb"),
                        Map.entry("directory_users.created_at", ts), Map.entry("directory_users.updated_at", ts),
                        Map.entry("directory_users.last_event_id", "text"), Map.entry("directory_users.last_event_at", ts),
                        Map.entry("directory_groups.id", "text"), Map.entry("directory_groups.directory_id", "text"),
                        Map.entry("directory_groups.organization_id", "text"), Map.entry("directory_groups.idp_id", "text"),
                        Map.entry("directory_groups.name", "text"), Map.entry("directory_groups.created_at", ts),
                        Map.entry("directory_groups.updated_at", ts), Map.entry("directory_groups.last_event_id", "text"),
                        Map.entry("directory_groups.last_event_at", ts),
                        Map.entry("directory_group_memberships.group_id", "text"),
                        Map.entry("directory_group_memberships.user_id", "text"),
                        Map.entry("directory_group_memberships.directory_id", "text"),
                        Map.entry("directory_group_memberships.organization_id", "text"),
                        Map.entry("directory_group_memberships.last_event_id", "text"),
                        Map.entry("directory_group_memberships.last_event_at", ts)));

                List<String> indexes = new ArrayList<>();
                try (var rs = s.executeQuery("SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'"
                        + " AND tablename LIKE 'director%' ORDER BY indexname")) {
                    while (rs.next()) {
                        indexes.add(rs.getString(1).replaceFirst("^CREATE (UNIQUE )?INDEX \\S+ ON public\\.", ""));
                    }
                }
                assertThat(indexes).contains(
                        "directories USING btree (id)",
                        "directory_users USING btree (id)",
                        "directory_users USING btree (directory_id)",
                        "directory_users USING btree (lower(email))",
                        "directory_groups USING btree (id)",
                        "directory_groups USING btree (directory_id)",
                        "directory_group_memberships USING btree (group_id, user_id)",
                        "directory_group_memberships USING btree (user_id)",
                        "directory_group_memberships USING btree (directory_id)");
                assertThat(query(s, "SELECT count(*) FROM information_schema.table_constraints"
                        + " WHERE constraint_type = 'FOREIGN KEY' AND table_schema = 'public'")).isEqualTo("0");
                assertThat(query(s, "SELECT count(*) FROM information_schema.triggers")).isEqualTo("0");
            }
        }
    }

    @Test
    void aFailingMigrationLeavesNothingAndAnEditedOneIsRefused() throws Exception {
        try (LocalPostgres pg = LocalPostgres.start(dir, 0)) {
            Migration v1 = MirrorResources.migrations().getFirst();
            Migration v2 = new Migration(2, "broken", "V2__broken.sql",
                    "CREATE TABLE half_done (id int); SELECT no_such_function();");
            assertThatThrownBy(() -> SchemaMigrator.migrate(pg.target(), List.of(v1, v2)))
                    .hasMessageContaining("V2__broken.sql");
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                // one transaction: not even V1 or the bookkeeping table is left
                assertThat(query(s, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).isEqualTo("0");
            }

            assertThat(SchemaMigrator.migrate(pg.target())).containsExactly(1);
            Migration edited = new Migration(1, v1.description(), v1.fileName(), v1.sql() + "\n-- edited\n");
            assertThatThrownBy(() -> SchemaMigrator.migrate(pg.target(), List.of(edited)))
                    .hasMessageContaining("was changed after it was applied");

            Migration v2ok = new Migration(2, "more", "V2__more.sql", "ALTER TABLE directories ADD COLUMN extra text;");
            assertThat(SchemaMigrator.migrate(pg.target(), List.of(v1, v2ok))).containsExactly(2);
            assertThat(SchemaMigrator.migrate(pg.target(), List.of(v1, v2ok))).isEmpty();
        }
    }

    @Test
    void aDatabaseInitialisedFromTheRawScriptIsAdopted() throws Exception {
        // docker-compose runs V1 through the postgres image's initdb hook, without the bookkeeping table
        try (LocalPostgres pg = LocalPostgres.start(dir, 0)) {
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                s.execute(MirrorResources.migrations().getFirst().sql());
                s.execute("INSERT INTO directories (id) VALUES ('directory_before')");
            }
            assertThat(SchemaMigrator.migrate(pg.target())).containsExactly(1);
            assertThat(SchemaMigrator.migrate(pg.target())).isEmpty();
            try (Connection c = pg.target().connect(); Statement s = c.createStatement()) {
                assertThat(query(s, "SELECT id FROM directories")).isEqualTo("directory_before");
            }
        }
    }

    @Test
    void concurrentMigratorsApplyOnce() throws Exception {
        try (LocalPostgres pg = LocalPostgres.start(dir, 0)) {
            List<java.util.concurrent.CompletableFuture<List<Integer>>> runs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                runs.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> SchemaMigrator.migrate(pg.target())));
            }
            List<Integer> applied = new ArrayList<>();
            for (var run : runs) {
                applied.addAll(run.get());
            }
            assertThat(applied).containsExactly(1);
            try (Connection c = DriverManager.getConnection(pg.superuserJdbcUrl("dsync")); Statement s = c.createStatement()) {
                assertThat(query(s, "SELECT count(*) FROM dsync_schema_migrations")).isEqualTo("1");
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
