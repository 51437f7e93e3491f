package dev.dsync.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Flyway migration against a real PostgreSQL (zonky's embedded binaries): a new database, the two kinds of
 * database created before Flyway (by dsync's earlier migrator, and by Docker Compose's initdb hook from the raw
 * script), failures, edited scripts and concurrent runs. One server for the class, a new database for each test.
 */
@Tag("integration")
class MirrorSchemaTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    @TempDir
    Path dir;
    JdbcTarget db;

    @BeforeAll
    static void startServer() throws Exception {
        server = EmbeddedPostgres.builder().setServerConfig("timezone", "UTC").start();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void newDatabase() throws Exception {
        String name = "mirror_" + DATABASES.incrementAndGet();
        try (Connection c = server.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0");
        }
        db = new JdbcTarget("jdbc:postgresql://127.0.0.1:" + server.getPort() + "/" + name, "postgres", "");
    }

    @Test
    void aNewDatabaseGetsV1AndASecondRunChangesNothing() throws Exception {
        MirrorSchema.Outcome first = MirrorSchema.migrate(db);
        assertThat(first.applied()).containsExactly(1);
        assertThat(first.createdSchema()).isTrue();
        assertThat(first.adopted()).isFalse();

        MirrorSchema.Outcome second = MirrorSchema.migrate(db);
        assertThat(second.applied()).isEmpty();
        assertThat(second.createdSchema()).isFalse();
        assertThat(second.adopted()).isFalse();

        assertThat(MirrorSchema.currentVersion(db)).contains("1");
        // Flyway finds exactly the listed scripts, under their file names
        assertThat(query("SELECT string_agg(script || '|' || type || '|' || description || '|' || success, ',')"
                + " FROM flyway_schema_history")).isEqualTo("V1__directory_mirror.sql|SQL|directory mirror|true");
        assertThat(MirrorResources.MIGRATION_FILES).containsExactly("V1__directory_mirror.sql");
        assertThat(tableExists(MirrorSchema.LEGACY_HISTORY_TABLE)).isFalse();
    }

    @Test
    void theSchemaIsTheContract() throws Exception {
        MirrorSchema.migrate(db);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
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
            assertThat(query("SELECT count(*) FROM information_schema.table_constraints"
                    + " WHERE constraint_type = 'FOREIGN KEY' AND table_schema = 'public'")).isEqualTo("0");
            assertThat(query("SELECT count(*) FROM information_schema.triggers")).isEqualTo("0");
        }
    }

    @Test
    void aDatabaseOfTheEarlierMigratorIsAdoptedWithoutRunningV1Again() throws Exception {
        // what dsync's hand-written migrator left: V1's tables and its own history table
        MirrorResources.Migration v1 = MirrorResources.migrations().getFirst();
        execute("""
                CREATE TABLE dsync_schema_migrations (
                    version     integer     PRIMARY KEY,
                    description text        NOT NULL,
                    checksum    text        NOT NULL,
                    applied_at  timestamptz NOT NULL DEFAULT now()
                )""");
        execute(v1.sql());
        execute("INSERT INTO dsync_schema_migrations (version, description, checksum) VALUES (1, 'directory mirror', '"
                + v1.checksum() + "')");
        markExistingSchema();

        MirrorSchema.Outcome outcome = MirrorSchema.migrate(db);
        assertThat(outcome.adopted()).isTrue();
        assertThat(outcome.applied()).isEmpty();
        assertThat(outcome.createdSchema()).isFalse();
        assertAdoptedAtVersion1();
        assertThat(tableExists(MirrorSchema.LEGACY_HISTORY_TABLE)).as("the earlier history table is dropped").isFalse();

        assertThat(MirrorSchema.migrate(db)).isEqualTo(new MirrorSchema.Outcome(List.of(), false));
        // and the next version applies on top of the baseline
        assertThat(MirrorSchema.migrate(db, scripts("V1__directory_mirror.sql", v1.sql(),
                "V2__more.sql", "ALTER TABLE directories ADD COLUMN extra text;")).applied()).containsExactly(2);
        assertThat(MirrorSchema.currentVersion(db)).contains("2");
    }

    @Test
    void aDatabaseFromComposesInitdbHookIsAdoptedWithoutRunningV1Again() throws Exception {
        // the postgres image's /docker-entrypoint-initdb.d ran the raw script: the tables, no history at all
        execute(MirrorResources.migrations().getFirst().sql());
        markExistingSchema();

        MirrorSchema.Outcome outcome = MirrorSchema.migrate(db);
        assertThat(outcome.adopted()).isTrue();
        assertThat(outcome.applied()).isEmpty();
        assertAdoptedAtVersion1();
        assertThat(MirrorSchema.migrate(db)).isEqualTo(new MirrorSchema.Outcome(List.of(), false));
    }

    @Test
    void aSchemaWithOnlyOtherTablesGetsV1() throws Exception {
        // not empty, so Flyway would not migrate it without a baseline; but it is not a mirror either: V1 must run
        execute("CREATE TABLE someone_elses (id int)");
        MirrorSchema.Outcome outcome = MirrorSchema.migrate(db);
        assertThat(outcome.applied()).containsExactly(1);
        assertThat(outcome.adopted()).isFalse();
        assertThat(outcome.createdSchema()).isTrue();
        for (String table : MirrorSchema.V1_TABLES) {
            assertThat(tableExists(table)).as(table).isTrue();
        }
        assertThat(query("SELECT string_agg(version || '|' || type, ',' ORDER BY installed_rank)"
                + " FROM flyway_schema_history")).isEqualTo("0|BASELINE,1|SQL");
    }

    @Test
    void aFailingMigrationLeavesNothingAndAnEditedOneIsRefused() throws Exception {
        String v1 = MirrorResources.migrations().getFirst().sql();
        assertThatThrownBy(() -> MirrorSchema.migrate(db, scripts("V1__directory_mirror.sql", v1,
                "V2__broken.sql", "CREATE TABLE half_done (id int); SELECT no_such_function();")))
                .hasMessageContaining("V2__broken.sql");
        // one transaction for all pending versions: not even V1's tables are left, and nothing is recorded
        assertThat(tableExists("directories")).isFalse();
        assertThat(tableExists("half_done")).isFalse();
        assertThat(MirrorSchema.currentVersion(db)).isEmpty();

        assertThat(MirrorSchema.migrate(db).applied()).containsExactly(1);
        assertThatThrownBy(() -> MirrorSchema.migrate(db, scripts("V1__directory_mirror.sql", v1 + "\n-- edited\n")))
                .hasMessageContaining("checksum mismatch");

        String[] withV2 = scripts("V1__directory_mirror.sql", v1, "V2__more.sql",
                "ALTER TABLE directories ADD COLUMN extra text;");
        assertThat(MirrorSchema.migrate(db, withV2).applied()).containsExactly(2);
        assertThat(MirrorSchema.migrate(db, withV2).applied()).isEmpty();
    }

    @Test
    void concurrentRunsApplyOnce() throws Exception {
        List<CompletableFuture<MirrorSchema.Outcome>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(CompletableFuture.supplyAsync(() -> MirrorSchema.migrate(db)));
        }
        List<Integer> applied = new ArrayList<>();
        for (var run : runs) {
            applied.addAll(run.get().applied());
        }
        assertThat(applied).containsExactly(1);
        assertThat(query("SELECT count(*) FROM flyway_schema_history")).isEqualTo("1");
    }

    /** Marks the existing schema so that a second run of V1 (whose last statements set the comments) would show. */
    private void markExistingSchema() throws Exception {
        execute("INSERT INTO directories (id, name) VALUES ('directory_before', 'Before')");
        execute("COMMENT ON TABLE directories IS 'made before Flyway'");
    }

    private void assertAdoptedAtVersion1() throws Exception {
        assertThat(query("SELECT string_agg(version || '|' || type || '|' || description, ',')"
                + " FROM flyway_schema_history")).isEqualTo("1|BASELINE|adopted: schema created before Flyway");
        assertThat(MirrorSchema.currentVersion(db)).contains("1");
        assertThat(query("SELECT obj_description('directories'::regclass)")).as("V1 did not run again")
                .isEqualTo("made before Flyway");
        assertThat(query("SELECT name FROM directories WHERE id = 'directory_before'")).isEqualTo("Before");
    }

    /** Writes scripts (name, content, name, content, ...) into a new directory; returns its Flyway location. */
    private String[] scripts(String... namesAndContents) throws Exception {
        Path scripts = Files.createTempDirectory(dir, "migrations");
        for (int i = 0; i < namesAndContents.length; i += 2) {
            Files.writeString(scripts.resolve(namesAndContents[i]), namesAndContents[i + 1]);
        }
        return new String[] {"filesystem:" + scripts};
    }

    private boolean tableExists(String table) throws Exception {
        return "true".equals(query("SELECT (to_regclass('public." + table + "') IS NOT NULL)::text"));
    }

    private void execute(String sql) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private String query(String sql) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
