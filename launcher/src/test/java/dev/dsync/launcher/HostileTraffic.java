package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.events.signature.SignatureVerifier;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * What the fault tests share: signing and posting webhook bodies to a running stack, scraping both /metrics
 * endpoints, reading topics from the beginning, and reading the query API and PostgreSQL.
 */
final class HostileTraffic {

    static final int PARTITIONS = 3;
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)$");

    final LocalStackAccess stack;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    HostileTraffic(LocalStackAccess stack) {
        this.stack = stack;
    }

    record Answer(int status, String body) {
    }

    /** Signs {@code body} with the stack's secret and posts it; the status and body of the answer. */
    Answer post(byte[] body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("WorkOS-Signature", SignatureVerifier.header(stack.webhookSecret(), System.currentTimeMillis(), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.body());
    }

    Answer get(String url, boolean auth) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
            if (auth) {
                b.header("Authorization", "Bearer " + stack.queryToken());
            }
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body());
        } catch (Exception e) {
            return new Answer(-1, e.toString());
        }
    }

    /** A query API path under /v1 with its ids URL-encoded. */
    Answer query(String... segments) {
        return queryWith(null, segments);
    }

    /** The same with a query string. */
    Answer queryWith(String queryString, String... segments) {
        StringBuilder url = new StringBuilder("http://127.0.0.1:" + stack.queryPort() + "/v1");
        for (String s : segments) {
            url.append('/').append(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        if (queryString != null) {
            url.append('?').append(queryString);
        }
        return get(url.toString(), true);
    }

    /** The user as the query API has it, or null on 404. */
    JsonNode queryUser(String directoryId, String userId) throws Exception {
        Answer a = query("directories", directoryId, "users", userId);
        if (a.status() == 404) {
            return null;
        }
        assertThat(a.status()).as("query API user %s: %s", userId, a.body()).isEqualTo(200);
        return EventParser.MAPPER.readTree(a.body());
    }

    Answer topologyLive() {
        return get("http://127.0.0.1:" + stack.queryPort() + "/health/live", false);
    }

    /** The check named {@code name} of a health answer ({@code {"status":…,"checks":[{"name":…}]}}), or a missing node. */
    static JsonNode healthCheck(Answer health, String name) throws Exception {
        for (JsonNode check : EventParser.MAPPER.readTree(health.body()).path("checks")) {
            if (check.path("name").asText().equals(name)) {
                return check;
            }
        }
        return MissingNode.getInstance();
    }

    /** Every sample of a /metrics page: {@code name{labels}} (without the text format's optional trailing comma) → value. */
    Map<String, Double> metrics(int port) {
        Answer a = get("http://127.0.0.1:" + port + "/metrics", false);
        assertThat(a.status()).isEqualTo(200);
        Map<String, Double> out = new TreeMap<>();
        for (String line : a.body().split("\n")) {
            Matcher m = SAMPLE.matcher(line.trim());
            if (!line.startsWith("#") && m.matches()) {
                out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2).replace(",}", "}")),
                        Double.parseDouble(m.group(3)));
            }
        }
        return out;
    }

    Map<String, Double> topologyMetrics() {
        return metrics(stack.queryPort());
    }

    Map<String, Double> gatewayMetrics() {
        return metrics(stack.gatewayPort());
    }

    /** A topology counter by its short name ({@code events_applied}); 0 before it is first registered. */
    static long counter(Map<String, Double> metrics, String name) {
        return metrics.getOrDefault("dsync_topology_" + name + "_total", 0.0).longValue();
    }

    static long deadLetters(Map<String, Double> metrics, String reason) {
        return metrics.getOrDefault("dsync_topology_dead_letters_total{reason=\"" + reason + "\"}", 0.0).longValue();
    }

    /** The gateway's request count for one reason (summed over outcomes and statuses). */
    static long gatewayRequests(Map<String, Double> metrics, String reason, int status) {
        return metrics.entrySet().stream()
                .filter(e -> e.getKey().startsWith("dsync_gateway_requests_total{")
                        && e.getKey().contains("reason=\"" + reason + "\"")
                        && e.getKey().contains("status=\"" + status + "\""))
                .mapToLong(e -> e.getValue().longValue()).sum();
    }

    /** Every record of {@code topic} from the beginning up to its current end. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.embeddedKafka().bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(Topics.MAX_RECORD_BYTES));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, String.valueOf(4 * Topics.MAX_RECORD_BYTES));
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading %s to its end", topic).isLessThan(deadline);
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** Rows of a table as column → text (jsonb and times as PostgreSQL prints them), keyed by {@code key}. */
    Map<String, Map<String, String>> rows(String sql, Object... params) throws Exception {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync")) {
            db.createStatement().execute("set timezone to 'UTC'");
            try (PreparedStatement q = db.prepareStatement(sql)) {
                for (int i = 0; i < params.length; i++) {
                    if (params[i] instanceof Collection<?> c) {
                        q.setArray(i + 1, db.createArrayOf("text", c.toArray()));
                    } else {
                        q.setObject(i + 1, params[i]);
                    }
                }
                try (ResultSet rs = q.executeQuery()) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        Map<String, String> row = new LinkedHashMap<>();
                        for (int c = 1; c <= md.getColumnCount(); c++) {
                            row.put(md.getColumnLabel(c), rs.getString(c));
                        }
                        out.put(rs.getString(1), row);
                    }
                }
            }
        }
        return out;
    }

    /** The users of these directories in PostgreSQL, times as ISO instants, jsonb as text. */
    Map<String, Map<String, String>> databaseUsers(Collection<String> directories) throws Exception {
        return rows("select id, directory_id, organization_id, idp_id, email, first_name, last_name, name, state, role,"
                + " roles::text as roles, custom_attributes::text as custom_attributes,"
                + " to_char(created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') as created_at,"
                + " to_char(updated_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') as updated_at, last_event_id,"
                + " to_char(last_event_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') as last_event_at"
                + " from directory_users where directory_id = any(?) order by id", directories);
    }

    /** One directory id per partition of the events topic (the gateway keys by directory id, default partitioner). */
    static List<String> directoryPerPartition(String prefix) {
        String[] chosen = new String[PARTITIONS];
        for (int i = 0; chosen[PARTITIONS - 1] == null || java.util.Arrays.stream(chosen).anyMatch(c -> c == null); i++) {
            String id = prefix + "_" + i;
            int p = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            if (chosen[p] == null) {
                chosen[p] = id;
            }
        }
        return List.of(chosen);
    }

    static int partitionOf(String directoryId) {
        return Utils.toPositive(Utils.murmur2(directoryId.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }

    static String organization(String directoryId) {
        return "org_" + directoryId;
    }

    static ObjectNode envelope(String id, String type, JsonNode data, String createdAt) {
        ObjectNode event = EventParser.MAPPER.createObjectNode().put("object", "event").put("id", id).put("event", type);
        event.set("data", data);
        if (createdAt != null) {
            event.put("created_at", createdAt);
        }
        event.putObject("context");
        return event;
    }

    static byte[] bytes(JsonNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }

    static ObjectNode directory(String directoryId, String at) {
        return EventParser.MAPPER.createObjectNode().put("object", "directory").put("id", directoryId)
                .put("organization_id", organization(directoryId)).put("type", "okta scim v2.0").put("state", "active")
                .put("name", "Hostile Corp " + directoryId).put("created_at", at).put("updated_at", at);
    }

    static ObjectNode user(String directoryId, String userId, String at) {
        ObjectNode u = EventParser.MAPPER.createObjectNode().put("object", "directory_user").put("id", userId)
                .put("directory_id", directoryId).put("organization_id", organization(directoryId))
                .put("idp_id", "idp-" + userId).put("email", userId + "@Hostile.example").put("first_name", "Zoë")
                .put("last_name", "Åkesson").put("name", "Zoë Åkesson").put("state", "active");
        u.putObject("raw_attributes");
        u.putObject("custom_attributes").put("department_name", "R&D").put("employee_number", "E-" + userId);
        u.putObject("role").put("slug", "member");
        u.putArray("roles").addObject().put("slug", "member");
        u.put("created_at", at).put("updated_at", at);
        return u;
    }

    static ObjectNode group(String directoryId, String groupId, String at) {
        return EventParser.MAPPER.createObjectNode().put("object", "directory_group").put("id", groupId)
                .put("idp_id", "idp-" + groupId).put("directory_id", directoryId)
                .put("organization_id", organization(directoryId)).put("name", "Group " + groupId)
                .put("created_at", at).put("updated_at", at);
    }

    /** What the query API must answer for a user created by {@code event} (docs/change-log-format.md). */
    static ObjectNode expectedUser(ObjectNode event) {
        JsonNode u = event.get("data");
        ObjectNode o = EventParser.MAPPER.createObjectNode();
        for (String f : List.of("id", "directory_id", "organization_id", "idp_id", "email", "first_name", "last_name",
                "name", "state")) {
            o.set(f, u.get(f));
        }
        o.put("role", u.path("role").path("slug").asText());
        ArrayNode roles = o.putArray("roles");
        u.get("roles").forEach(r -> roles.add(r.get("slug").asText()));
        o.set("custom_attributes", u.get("custom_attributes"));
        o.put("created_at", canonical(u.get("created_at").asText()));
        o.put("updated_at", canonical(u.get("updated_at").asText()));
        o.put("last_event_id", event.get("id").asText());
        o.put("last_event_at", canonical(event.get("created_at").asText()));
        return o;
    }

    /** The PostgreSQL row for the same user, as {@link #databaseUsers} reads it (strings-only custom attributes). */
    static Map<String, String> expectedRow(ObjectNode event) throws Exception {
        ObjectNode q = expectedUser(event);
        Map<String, String> row = new LinkedHashMap<>();
        for (String f : List.of("id", "directory_id", "organization_id", "idp_id", "email", "first_name", "last_name",
                "name", "state", "role")) {
            row.put(f, q.get(f).asText());
        }
        row.put("roles", pgJsonb(q.get("roles")));
        row.put("custom_attributes", pgJsonb(q.get("custom_attributes")));
        row.put("created_at", millis(q.get("created_at").asText()));
        row.put("updated_at", millis(q.get("updated_at").asText()));
        row.put("last_event_id", q.get("last_event_id").asText());
        row.put("last_event_at", millis(q.get("last_event_at").asText()));
        return row;
    }

    /** jsonb's text form of strings, arrays and objects: keys by length then bytewise, ", " and ": " separators. */
    static String pgJsonb(JsonNode n) throws Exception {
        if (n.isObject()) {
            List<String> keys = new ArrayList<>();
            n.fieldNames().forEachRemaining(keys::add);
            keys.sort((a, b) -> {
                byte[] x = a.getBytes(StandardCharsets.UTF_8);
                byte[] y = b.getBytes(StandardCharsets.UTF_8);
                return x.length != y.length ? Integer.compare(x.length, y.length) : java.util.Arrays.compareUnsigned(x, y);
            });
            StringBuilder sb = new StringBuilder("{");
            for (String k : keys) {
                if (sb.length() > 1) {
                    sb.append(", ");
                }
                sb.append(EventParser.MAPPER.writeValueAsString(k)).append(": ").append(pgJsonb(n.get(k)));
            }
            return sb.append('}').toString();
        }
        if (n.isArray()) {
            List<String> items = new ArrayList<>();
            for (JsonNode i : n) {
                items.add(pgJsonb(i));
            }
            return "[" + String.join(", ", items) + "]";
        }
        return EventParser.MAPPER.writeValueAsString(n);
    }

    static String canonical(String time) {
        return Instant.parse(time).toString();
    }

    static String millis(String time) {
        Instant t = Instant.parse(time);
        return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withZone(java.time.ZoneOffset.UTC).format(t);
    }

    /** Now, to the millisecond, as WorkOS writes times. */
    static String now() {
        return Instant.ofEpochMilli(System.currentTimeMillis()).toString();
    }
}
