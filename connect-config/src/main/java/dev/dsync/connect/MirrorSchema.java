package dev.dsync.connect;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror's schema, migrated with Flyway: the versioned scripts {@code connect-config/migrations/V<n>__*.sql}
 * (on the classpath under {@value MirrorResources#MIGRATIONS_DIR}), recorded in Flyway's history table
 * {@value #HISTORY_TABLE}. One migration path for {@code ./dsync up}, the tests and Docker Compose (its one-shot
 * service {@code migrate} runs {@link #main}).
 *
 * <p>Idempotent: a second run applies nothing. Flyway serialises concurrent runs with a PostgreSQL advisory lock, all
 * pending migrations run in one transaction ({@code group}), so a failing script leaves nothing behind, and a script
 * edited after it was applied is refused (change the schema with a new version instead).
 *
 * <p><b>Adopting an existing database.</b> Databases created before Flyway have the mirror's tables but no
 * {@value #HISTORY_TABLE}: those that dsync's earlier migrator created (with its own history table
 * {@value #LEGACY_HISTORY_TABLE}), and those that Docker Compose's PostgreSQL initdb hook created from the raw V1 script
 * (no history at all). When all four tables exist and Flyway has no history yet, Flyway baselines the database at
 * version 1 ({@code baselineOnMigrate}) instead of running V1 again; later versions then apply as usual. Any other
 * schema without a history (an empty one, or one holding only unrelated tables) is baselined at version 0, so V1
 * runs. The earlier migrator's table is dropped once Flyway's history exists: Flyway's is the only record, and an
 * older dsync run against the database afterwards would just re-apply V1, which is written with
 * {@code IF NOT EXISTS} and changes nothing.
 */
public final class MirrorSchema {

    /** Flyway's history table (its default name). */
    public static final String HISTORY_TABLE = "flyway_schema_history";
    /** The history table of dsync's hand-written migrator before Flyway; dropped on adoption. */
    public static final String LEGACY_HISTORY_TABLE = "dsync_schema_migrations";
    /** The tables V1 creates; a database that has them all is adopted at version 1. */
    public static final List<String> V1_TABLES = List.of(
            "directories", "directory_users", "directory_groups", "directory_group_memberships");

    /** Where Flyway finds the packaged scripts. */
    public static final String LOCATION = "classpath:" + MirrorResources.MIGRATIONS_DIR.replaceAll("/$", "");

    private static final Logger LOG = LoggerFactory.getLogger(MirrorSchema.class);
    private static final String ADOPTED_DESCRIPTION = "adopted: schema created before Flyway";

    private MirrorSchema() {
    }

    /**
     * What a run did.
     *
     * @param applied versions applied by this run, in order (empty when the schema was up to date)
     * @param adopted true when this run found the mirror's tables without Flyway's history and recorded them as
     *                version 1 (a database from the earlier migrator or from compose's initdb hook)
     */
    public record Outcome(List<Integer> applied, boolean adopted) {

        public Outcome {
            applied = List.copyOf(applied);
        }

        /** True when this run created the mirror's tables (V1 applied now): the database is new. */
        public boolean createdSchema() {
            return applied.contains(1);
        }
    }

    /** Applies the pending migrations of the packaged scripts to {@code target}. */
    public static Outcome migrate(JdbcTarget target) {
        return migrate(target, LOCATION);
    }

    /** Applies the pending migrations found at the Flyway {@code locations} (tests use other scripts). */
    public static Outcome migrate(JdbcTarget target, String... locations) {
        try {
            boolean adopt;
            try (Connection c = target.connect()) {
                adopt = !exists(c, HISTORY_TABLE) && V1_TABLES.stream().allMatch(t -> exists(c, t));
            }
            Flyway flyway = configure(target, locations)
                    .group(true)
                    .validateOnMigrate(true)
                    .cleanDisabled(true)
                    // only used when the schema is not empty and has no history yet (see the class comment)
                    .baselineOnMigrate(true)
                    .baselineVersion(adopt ? "1" : "0")
                    .baselineDescription(adopt ? ADOPTED_DESCRIPTION : "<< Flyway Baseline >>")
                    .load();
            MigrateResult result = flyway.migrate();
            List<Integer> applied = result.migrations.stream().map(m -> Integer.parseInt(m.version)).toList();
            boolean adopted;
            boolean droppedLegacy;
            try (Connection c = target.connect()) {
                adopted = adopt && baselinedAtV1(c);
                droppedLegacy = dropLegacyHistory(c);
            }
            if (adopted) {
                LOG.info("Adopted the mirror's schema of {} at version 1 (created before Flyway)", target);
            }
            if (droppedLegacy) {
                LOG.info("Dropped {}, the history table of dsync's migrator before Flyway", LEGACY_HISTORY_TABLE);
            }
            if (!applied.isEmpty()) {
                LOG.info("Migrated the mirror's schema of {}: applied versions {}", target, applied);
            }
            return new Outcome(applied, adopted);
        } catch (FlywayException | SQLException | UncheckedSqlException e) {
            throw new IllegalStateException("schema migration of " + target + " failed: " + e.getMessage(), e);
        }
    }

    /** The version the database is at, from Flyway's history (empty before the first migration). */
    public static Optional<String> currentVersion(JdbcTarget target) {
        var current = configure(target, LOCATION).load().info().current();
        return Optional.ofNullable(current).map(i -> i.getVersion().getVersion());
    }

    /**
     * Migrates the database named by {@code DSYNC_JDBC_URL}, {@code DSYNC_JDBC_USER} and {@code DSYNC_JDBC_PASSWORD}
     * (Docker Compose's one-shot service {@code migrate}), waiting up to a minute for the database to accept
     * connections (compose starts it once PostgreSQL reports healthy, so this only covers a slow first start). Exits 0 when the schema is up to date, 1 on failure, 2 without
     * {@code DSYNC_JDBC_URL}.
     */
    public static void main(String[] args) {
        Optional<JdbcTarget> target = JdbcTarget.fromEnvironment();
        if (target.isEmpty()) {
            System.err.println("set " + JdbcTarget.URL_ENV + " (and " + JdbcTarget.USER_ENV + ", "
                    + JdbcTarget.PASSWORD_ENV + ") to the mirror's database");
            System.exit(2);
        }
        try {
            awaitDatabase(target.get(), Duration.ofSeconds(60));
            Outcome outcome = migrate(target.get());
            System.out.println("dsync schema of " + target.get() + ": "
                    + (outcome.adopted() ? "adopted at version 1 (created before Flyway); " : "")
                    + (outcome.applied().isEmpty() ? "nothing to apply" : "applied versions " + outcome.applied())
                    + "; now at version " + currentVersion(target.get()).orElse("none"));
        } catch (RuntimeException e) {
            System.err.println("dsync schema migration failed: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Waits until the database accepts a connection (a database container may still be starting). */
    static void awaitDatabase(JdbcTarget target, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Connection c = target.connect()) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot connect to " + target + " within " + timeout + ": "
                            + e.getMessage(), e);
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", ie);
                }
            }
        }
    }

    private static FluentConfiguration configure(JdbcTarget target, String... locations) {
        return Flyway.configure(MirrorSchema.class.getClassLoader())
                .loggers("slf4j")
                .dataSource(target.url(), target.user(), target.password())
                .locations(locations)
                .table(HISTORY_TABLE);
    }

    /** Whether Flyway's history starts with the adoption baseline at version 1. */
    private static boolean baselinedAtV1(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + HISTORY_TABLE
                + " WHERE type = 'BASELINE' AND version = '1'"); ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getLong(1) > 0;
        }
    }

    /** Drops the earlier migrator's history table; returns whether there was one. */
    private static boolean dropLegacyHistory(Connection c) throws SQLException {
        if (!exists(c, LEGACY_HISTORY_TABLE)) {
            return false;
        }
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            // the earlier migrator's lock key, so that two adopting runs (or an old migrator) do not race
            s.execute("SELECT pg_advisory_xact_lock(" + 0x64_73_79_6e_63_4d_69_67L + ")");
            s.execute("DROP TABLE IF EXISTS " + LEGACY_HISTORY_TABLE);
            c.commit();
            return true;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }

    /** Whether a table of this name exists in the connection's current schema. */
    private static boolean exists(Connection c, String table) {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT to_regclass(quote_ident(current_schema()) || '.' || quote_ident(?)) IS NOT NULL")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new UncheckedSqlException(e);
        }
    }

    private static final class UncheckedSqlException extends RuntimeException {
        UncheckedSqlException(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
