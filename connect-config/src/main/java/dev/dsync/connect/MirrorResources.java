package dev.dsync.connect;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The PostgreSQL mirror's packaged resources: the Debezium JDBC sink connector configurations
 * ({@code connect-config/connectors/*.json}, on the classpath under {@value #CONNECTORS_DIR}) and the versioned SQL
 * migrations ({@code connect-config/migrations/V<n>__<description>.sql}, under {@value #MIGRATIONS_DIR}).
 *
 * <p>The connector files are in the form Connect's REST API takes for {@code POST /connectors}
 * ({@code {"name": …, "config": {…}}}). Connection settings are Connect config-provider placeholders
 * ({@code ${env:DSYNC_JDBC_URL}}, {@code ${env:DSYNC_JDBC_USER}}, {@code ${env:DSYNC_JDBC_PASSWORD}}): a stock Connect
 * worker started with {@code config.providers=env} resolves them from its environment, and the embedded worker
 * substitutes them at registration with {@link Connector#resolve(Map)}.
 */
public final class MirrorResources {

    public static final String CONNECTOR_CLASS = "io.debezium.connector.jdbc.JdbcSinkConnector";
    public static final String CONNECTORS_DIR = "dsync/connectors/";
    public static final String MIGRATIONS_DIR = "dsync/migrations/";

    public static final String JDBC_URL_VAR = "DSYNC_JDBC_URL";
    public static final String JDBC_USER_VAR = "DSYNC_JDBC_USER";
    public static final String JDBC_PASSWORD_VAR = "DSYNC_JDBC_PASSWORD";
    private static final String REWRITE_BATCHED_INSERTS = "reWriteBatchedInserts";

    /** Every connector file, in registration order. A test checks this list against the directory. */
    public static final List<String> CONNECTOR_FILES = List.of(
            "dsync-directories-sink.json",
            "dsync-users-sink.json",
            "dsync-groups-sink.json",
            "dsync-group-memberships-sink.json");

    /** Every migration, in version order. A test checks this list against the directory. */
    public static final List<String> MIGRATION_FILES = List.of(
            "V1__directory_mirror.sql");

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");
    private static final Pattern MIGRATION_NAME = Pattern.compile("V(\\d+)__(\\w+)\\.sql");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private MirrorResources() {
    }

    /** One sink connector: its name and its configuration with placeholders unresolved. */
    public record Connector(String name, Map<String, String> config) {

        public Connector {
            config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
        }

        /** The Kafka topic(s) this connector reads. */
        public String topics() {
            return config.get("topics");
        }

        /** The table this connector writes. */
        public String table() {
            return config.get("collection.name.format");
        }

        /**
         * The configuration with every {@code ${env:NAME}} placeholder whose NAME is a key of {@code values}
         * replaced by that value; others stay as they are (a worker with {@code config.providers=env} resolves them).
         * The result also contains {@code name}, as {@code Herder.putConnectorConfig} requires.
         */
        public Map<String, String> resolve(Map<String, String> values) {
            Map<String, String> out = new LinkedHashMap<>();
            out.put("name", name);
            config.forEach((k, v) -> out.put(k, substitute(v, values)));
            return out;
        }
    }

    /** One versioned SQL migration. */
    public record Migration(int version, String description, String fileName, String sql) {

        /** SHA-256 of the script, recorded when applied so that an edited, already applied script is detected. */
        public String checksum() {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                return HexFormat.of().formatHex(md.digest(sql.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** The dsync sink connectors, loaded from the classpath. */
    public static List<Connector> connectors() {
        List<Connector> result = new ArrayList<>();
        for (String file : CONNECTOR_FILES) {
            result.add(parseConnector(read(CONNECTORS_DIR + file)));
        }
        return List.copyOf(result);
    }

    /** The dsync sink connectors with the JDBC connection settings filled in. */
    public static List<Map<String, String>> resolvedConnectorConfigs(String jdbcUrl, String user, String password) {
        Map<String, String> values = jdbcValues(jdbcUrl, user, password);
        return connectors().stream().map(c -> c.resolve(values)).toList();
    }

    public static Map<String, String> jdbcValues(String jdbcUrl, String user, String password) {
        return Map.of(JDBC_URL_VAR, sinkJdbcUrl(jdbcUrl), JDBC_USER_VAR, user, JDBC_PASSWORD_VAR, password);
    }

    /**
     * The sink's JDBC URL: the given one, with {@code reWriteBatchedInserts=true} unless it says otherwise. The driver
     * then sends a batch of upserts as multi-row statements, which took a third off PostgreSQL's work per row (README,
     * Benchmarks). A multi-row upsert may not touch one row twice; the connectors' {@code use.reduction.buffer} keeps
     * only the last change per key in a batch, so it never does.
     */
    public static String sinkJdbcUrl(String jdbcUrl) {
        if (jdbcUrl.contains(REWRITE_BATCHED_INSERTS + "=")) {
            return jdbcUrl;
        }
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + REWRITE_BATCHED_INSERTS + "=true";
    }

    /** Parses a connector file in REST form: {@code {"name": "...", "config": {"k": "v", ...}}}. */
    public static Connector parseConnector(String json) {
        try {
            JsonNode root = MAPPER.readTree(json);
            String name = root.path("name").asText(null);
            if (name == null || !root.path("config").isObject()) {
                throw new IllegalArgumentException("a connector file needs \"name\" and a \"config\" object");
            }
            Map<String, Object> raw = MAPPER.convertValue(root.get("config"), new TypeReference<>() { });
            Map<String, String> config = new LinkedHashMap<>();
            raw.forEach((k, v) -> {
                if (!(v instanceof String s)) {
                    throw new IllegalArgumentException("connector " + name + ": value of " + k
                            + " must be a JSON string, as Connect's REST API expects");
                }
                config.put(k, s);
            });
            return new Connector(name, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The migrations, loaded from the classpath, in version order. */
    public static List<Migration> migrations() {
        List<Migration> result = new ArrayList<>();
        int previous = 0;
        for (String file : MIGRATION_FILES) {
            Matcher m = MIGRATION_NAME.matcher(file);
            if (!m.matches()) {
                throw new IllegalStateException("migration file name must be V<n>__<description>.sql: " + file);
            }
            int version = Integer.parseInt(m.group(1));
            if (version <= previous) {
                throw new IllegalStateException("migrations must be listed in increasing version order: " + file);
            }
            previous = version;
            result.add(new Migration(version, m.group(2).replace('_', ' '), file, read(MIGRATIONS_DIR + file)));
        }
        return List.copyOf(result);
    }

    static String substitute(String value, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String replacement = values.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(replacement != null ? replacement : m.group()));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    /** Reads a UTF-8 classpath resource. */
    public static String read(String resource) {
        try (InputStream in = MirrorResources.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource not found: " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
