package dev.dsync.topology.query;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Requires {@code Authorization: Bearer <token>} on every {@code /v1} call but the published contracts: the OpenAPI
 * and AsyncAPI documents and the JSON Schemas the latter references (they describe data and hold none, and tools
 * resolve the schema references without credentials). The presented and expected tokens are compared as SHA-256
 * digests with {@link MessageDigest#isEqual}: constant time, and the token's length doesn't leak either.
 */
final class BearerAuth implements Filter {

    static final String OPENAPI_PATH = "/v1/openapi.yaml";
    static final String ASYNCAPI_PATH = "/v1/asyncapi.yaml";
    static final String SCHEMAS_PREFIX = "/v1/schemas/";
    private static final java.util.regex.Pattern SCHEMA_NAME =
            java.util.regex.Pattern.compile("[a-z0-9][a-z0-9-]*\\.json");

    private final byte[] expected;
    private final QueryMetrics metrics;

    /** {@code token} null: authentication is disabled, every request passes. */
    BearerAuth(String token, QueryMetrics metrics) {
        this.expected = token == null ? null : sha256(token);
        this.metrics = metrics;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        boolean guarded = path.equals("/v1") || path.startsWith("/v1/");
        if (expected == null || !guarded || isPublic(path)) {
            chain.proceed();
            return;
        }
        long start = System.nanoTime();
        if (accepts(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null))) {
            chain.proceed();
            return;
        }
        res.status(Status.UNAUTHORIZED_401)
                .header(HeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"dsync\"")
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(Json.error("unauthorized", "a valid 'Authorization: Bearer <token>' header is required"));
        metrics.request("(any)", "client", 401, false, System.nanoTime() - start);
    }

    /** The contract documents; a schema path is public only when it names a schema file and nothing else. */
    static boolean isPublic(String path) {
        return path.equals(OPENAPI_PATH) || path.equals(ASYNCAPI_PATH)
                || (path.startsWith(SCHEMAS_PREFIX) && isSchemaName(path.substring(SCHEMAS_PREFIX.length())));
    }

    static boolean isSchemaName(String name) {
        return name != null && SCHEMA_NAME.matcher(name).matches();
    }

    boolean accepts(String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(expected, sha256(authorization.substring(7).trim()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
