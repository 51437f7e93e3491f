package dev.dsync.embedded;

import dev.dsync.connect.MirrorResources;
import dev.dsync.connect.MirrorResources.Migration;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies the mirror's versioned SQL migrations ({@code connect-config/migrations/V<n>__*.sql}) that are not applied
 * yet, and records each in {@code dsync_schema_migrations (version, description, checksum, applied_at)}.
 *
 * <p>Idempotent: a second run applies nothing. All pending migrations run in one transaction under a transaction-level
 * advisory lock, so concurrent migrators serialise and a failing script leaves nothing behind. A migration whose
 * script changed after it was applied is an error (edit the schema with a new version instead).
 */
public final class SchemaMigrator {

    /** Arbitrary constant identifying dsync's migration lock among advisory locks. */
    private static final long LOCK_KEY = 0x64_73_79_6e_63_4d_69_67L; // "dsyncMig"

    private SchemaMigrator() {
    }

    /** Applies the pending migrations to {@code target}; returns the versions applied now (empty if up to date). */
    public static List<Integer> migrate(JdbcTarget target) {
        return migrate(target, MirrorResources.migrations());
    }

    public static List<Integer> migrate(JdbcTarget target, List<Migration> migrations) {
        try (Connection c = target.connect()) {
            return migrate(c, migrations);
        } catch (SQLException e) {
            throw new IllegalStateException("schema migration of " + target + " failed: " + e.getMessage(), e);
        }
    }

    static List<Integer> migrate(Connection c, List<Migration> migrations) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS dsync_schema_migrations (
                        version     integer     PRIMARY KEY,
                        description text        NOT NULL,
                        checksum    text        NOT NULL,
                        applied_at  timestamptz NOT NULL DEFAULT now()
                    )""");
            Map<Integer, String> applied = new HashMap<>();
            try (ResultSet rs = s.executeQuery("SELECT version, checksum FROM dsync_schema_migrations")) {
                while (rs.next()) {
                    applied.put(rs.getInt(1), rs.getString(2));
                }
            }
            List<Integer> now = new ArrayList<>();
            for (Migration m : migrations) {
                String checksum = applied.get(m.version());
                if (checksum != null) {
                    if (!checksum.equals(m.checksum())) {
                        throw new IllegalStateException("migration " + m.fileName()
                                + " was changed after it was applied (checksum " + checksum + " in the database, "
                                + m.checksum() + " now); add a new migration instead");
                    }
                    continue;
                }
                try (Statement script = c.createStatement()) {
                    script.execute(m.sql());
                } catch (SQLException e) {
                    throw new SQLException("migration " + m.fileName() + " failed: " + e.getMessage(), e);
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO dsync_schema_migrations (version, description, checksum) VALUES (?, ?, ?)")) {
                    ps.setInt(1, m.version());
                    ps.setString(2, m.description());
                    ps.setString(3, m.checksum());
                    ps.executeUpdate();
                }
                now.add(m.version());
            }
            c.commit();
            return List.copyOf(now);
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
