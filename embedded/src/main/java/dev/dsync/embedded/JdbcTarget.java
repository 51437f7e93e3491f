package dev.dsync.embedded;

import dev.dsync.connect.MirrorResources;
import dev.dsync.events.config.DsyncEnv;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * Where the PostgreSQL mirror lives: a JDBC URL plus credentials.
 *
 * <p>From the environment: {@code DSYNC_JDBC_URL} (e.g. {@code jdbc:postgresql://db:5432/dsync}),
 * {@code DSYNC_JDBC_USER} and {@code DSYNC_JDBC_PASSWORD} (both default to {@code dsync}). Otherwise
 * {@link LocalPostgres#target()} gives the embedded database.
 */
public record JdbcTarget(String url, String user, String password) {

    public static final String URL_ENV = MirrorResources.JDBC_URL_VAR;
    public static final String USER_ENV = MirrorResources.JDBC_USER_VAR;
    public static final String PASSWORD_ENV = MirrorResources.JDBC_PASSWORD_VAR;

    public JdbcTarget {
        if (url == null || !url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException("a PostgreSQL JDBC URL (jdbc:postgresql://host:port/db) is required: " + url);
        }
        if (user == null || user.isEmpty()) {
            // the Debezium sink rejects an empty connection.username
            throw new IllegalArgumentException("a database user is required");
        }
        password = password == null ? "" : password;
    }

    /** The target named by {@code DSYNC_JDBC_URL} / {@code _USER} / {@code _PASSWORD}, if the URL is set. */
    public static Optional<JdbcTarget> fromEnvironment() {
        return fromEnvironment(System.getenv());
    }

    public static Optional<JdbcTarget> fromEnvironment(Map<String, String> env) {
        return DsyncEnv.JDBC_URL.optional(env).map(url -> new JdbcTarget(url, DsyncEnv.JDBC_USER.get(env),
                DsyncEnv.JDBC_PASSWORD.get(env)));
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    /**
     * A {@code psql} command line for this database. The password is left out ({@code psql} prompts, or reads
     * {@code PGPASSWORD}); {@link LocalPostgres#psqlCommand()} includes the local one.
     */
    public String psqlCommand() {
        return "psql " + postgresUri(false);
    }

    /** {@code postgresql://user[:password]@host:port/db} from the JDBC URL (JDBC query parameters are dropped). */
    String postgresUri(boolean withPassword) {
        URI u = URI.create(url.substring("jdbc:".length()));
        String host = u.getHost() == null ? "localhost" : u.getHost();
        String port = u.getPort() < 0 ? "" : ":" + u.getPort();
        String db = u.getPath() == null || u.getPath().isEmpty() ? "/" + user : u.getPath();
        String credentials = encode(user) + (withPassword && !password.isEmpty() ? ":" + encode(password) : "");
        return "postgresql://" + credentials + "@" + host + port + db;
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "JdbcTarget[" + url + ", user=" + user + "]";   // never the password
    }
}
