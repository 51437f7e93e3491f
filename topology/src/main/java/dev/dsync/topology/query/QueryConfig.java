package dev.dsync.topology.query;

import dev.dsync.events.config.DsyncEnv;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How the query API of one topology instance is served.
 *
 * @param host              interface to listen on
 * @param port              port to listen on; 0 picks a free one (then advertise it explicitly, see
 *                          {@link QueryServer#advertisedAddress()})
 * @param token             the bearer token every {@code /v1} call must carry; null only when auth is disabled
 * @param authEnabled       false serves the API without authentication (explicit opt-out, for local use)
 * @param applicationServer {@code host:port} under which the other instances reach this one; null means
 *                          {@code 127.0.0.1:<port>}
 * @param maxStaleLag       how many change-log records a standby (or restoring) copy of a directory may be behind
 *                          and still answer while the owner cannot; answers from such a copy carry
 *                          {@code X-Dsync-Stale: true}
 * @param forwardTimeout    the longest a call to another instance may take (connecting takes at most a third of
 *                          it); past it the request fails over or gets 503, it never hangs
 * @param retryAfter        sent in {@code Retry-After} with a 503
 * @param workosApi         a WorkOS API source reports into health ({@code WORKOS_API_KEY} is set; see
 *                          {@link QueryServer#attachWorkosApi})
 */
public record QueryConfig(
        String host,
        int port,
        String token,
        boolean authEnabled,
        String applicationServer,
        long maxStaleLag,
        Duration forwardTimeout,
        Duration retryAfter,
        boolean workosApi) {

    public static final int DEFAULT_PORT = DsyncEnv.QUERY_PORT.defaultValue();
    public static final long DEFAULT_MAX_STALE_LAG = DsyncEnv.QUERY_MAX_STALE_LAG.defaultValue();
    public static final Duration DEFAULT_FORWARD_TIMEOUT = DsyncEnv.QUERY_FORWARD_TIMEOUT.defaultValue();

    public QueryConfig {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("the query port must be between 0 and 65535");
        }
        token = token == null || token.isBlank() ? null : token.trim();
        if (authEnabled && token == null) {
            throw new IllegalArgumentException("""
                    No query API token configured. Set DSYNC_QUERY_TOKEN to the bearer token that clients of the \
                    query API must send (for example the output of `openssl rand -hex 32`), or set \
                    DSYNC_QUERY_AUTH=disabled to serve the query API without authentication.""");
        }
        if (applicationServer != null && applicationServer.isBlank()) {
            applicationServer = null;
        }
        if (maxStaleLag < 0) {
            throw new IllegalArgumentException("DSYNC_QUERY_MAX_STALE_LAG must be >= 0");
        }
        if (forwardTimeout == null || forwardTimeout.toMillis() < 10) {
            throw new IllegalArgumentException("the forward timeout must be at least 10 ms");
        }
        if (retryAfter == null || retryAfter.isNegative()) {
            retryAfter = Duration.ofSeconds(1);
        }
    }

    public static QueryConfig fromEnv() {
        return fromEnv(System.getenv());
    }

    /**
     * Reads {@link DsyncEnv#QUERY} (their forms and defaults are declared there).
     *
     * @throws IllegalArgumentException without a token unless {@code DSYNC_QUERY_AUTH=disabled}, and a
     *         {@link dev.dsync.events.config.SettingException} naming a variable whose value is not of its form
     */
    public static QueryConfig fromEnv(Map<String, String> env) {
        return new QueryConfig(
                DsyncEnv.QUERY_HOST.get(env),
                DsyncEnv.QUERY_PORT.get(env),
                DsyncEnv.QUERY_TOKEN.get(env),
                DsyncEnv.QUERY_AUTH.get(env).equals("enabled"),
                DsyncEnv.APPLICATION_SERVER.get(env),
                DsyncEnv.QUERY_MAX_STALE_LAG.get(env),
                DsyncEnv.QUERY_FORWARD_TIMEOUT.get(env),
                Duration.ofSeconds(1),
                DsyncEnv.WORKOS_API_KEY.isSet(env));
    }

    /** Listens on 127.0.0.1 with the other settings at their defaults: for tests and the local launcher. */
    public static QueryConfig local(String token, int port) {
        return new QueryConfig("127.0.0.1", port, token, token != null, null, DEFAULT_MAX_STALE_LAG,
                DEFAULT_FORWARD_TIMEOUT, Duration.ofSeconds(1), false);
    }

    /** The address to advertise as {@code application.server}, for a known port. */
    public String applicationServerFor(int boundPort) {
        return applicationServer != null ? applicationServer : "127.0.0.1:" + boundPort;
    }

    @Override
    public String toString() {
        // never print the token
        return ("QueryConfig[host=%s, port=%d, auth=%s, applicationServer=%s, maxStaleLag=%d, forwardTimeout=%s, "
                + "workosApi=%s]").formatted(host, port, authEnabled ? "bearer token" : "DISABLED", applicationServer,
                maxStaleLag, forwardTimeout, workosApi);
    }
}
