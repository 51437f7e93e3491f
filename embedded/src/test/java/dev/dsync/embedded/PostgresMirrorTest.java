package dev.dsync.embedded;

import static dev.dsync.embedded.MirrorFixture.directory;
import static dev.dsync.embedded.MirrorFixture.group;
import static dev.dsync.embedded.MirrorFixture.membership;
import static dev.dsync.embedded.MirrorFixture.membershipKey;
import static dev.dsync.embedded.MirrorFixture.user;
import static dev.dsync.embedded.MirrorFixture.with;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.connect.MirrorResources;
import dev.dsync.events.Topics;
import io.debezium.connector.jdbc.JdbcSinkConnectorConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through real parts: change-log records (plain JSON strings, as the topology writes them) go into an
 * in-process KRaft broker, a real Connect worker runs the four Debezium JDBC sinks from connect-config, and the rows
 * are checked in a real embedded PostgreSQL created by the migration. One broker, database and worker for the class;
 * each test uses its own ids.
 */
@Tag("integration")
class PostgresMirrorTest {

    private static final Duration WAIT = Duration.ofSeconds(45);

    @TempDir
    static Path dir;
    static MirrorFixture f;

    @BeforeAll
    static void startAll() {
        f = MirrorFixture.start(dir, true);
    }

    @AfterAll
    static void stopAll() {
        if (f != null) {
            f.close();
        }
    }

    private static org.awaitility.core.ConditionFactory eventually() {
        return await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).pollDelay(Duration.ZERO);
    }

    @Test
    void eachChangeLogRecordLandsInItsTableWithTypedColumns() {
        String d = "directory_land";
        f.send(Topics.DIRECTORIES, d, with(directory(d, "Land"), "domains", List.of("land.io", "land.com"),
                "updated_at", "2026-05-19T08:00:00Z", "last_event_at", "2026-05-19T08:00:00.250Z"));
        f.send(Topics.USERS, "directory_user_land", with(user("directory_user_land", d),
                "email", "Ada.Lovelace@Land.IO", "role", "admin", "roles", List.of("admin", "billing"),
                "custom_attributes", Map.of("department_name", "R&D", "job_title", "Engineer",
                        "manager", Map.of("email", "boss@land.io"), "emails", List.of(Map.of("primary", true))),
                "created_at", "2026-05-18T14:03:41.512Z", "updated_at", null));
        f.send(Topics.GROUPS, "directory_group_land", group("directory_group_land", d));
        f.send(Topics.MEMBERSHIPS, membershipKey("directory_group_land", "directory_user_land"),
                membership("directory_group_land", "directory_user_land", d));
        f.flush();

        eventually().untilAsserted(() -> {
            assertThat(f.count("SELECT count(*) FROM directories WHERE id = ?", d)).isEqualTo(1);
            assertThat(f.count("SELECT count(*) FROM directory_users WHERE id = 'directory_user_land'")).isEqualTo(1);
            assertThat(f.count("SELECT count(*) FROM directory_groups WHERE id = 'directory_group_land'")).isEqualTo(1);
            assertThat(f.count("SELECT count(*) FROM directory_group_memberships WHERE group_id = ? AND user_id = ?",
                    "directory_group_land", "directory_user_land")).isEqualTo(1);
        });

        Map<String, Object> dir = f.query("SELECT *, jsonb_typeof(domains) AS domains_type, domains->>1 AS second_domain"
                + " FROM directories WHERE id = ?", d).getFirst();
        assertThat(dir).containsEntry("organization_id", "org_" + d).containsEntry("type", "okta scim v2.0")
                .containsEntry("state", "active").containsEntry("name", "Land")
                .containsEntry("domains_type", "array").containsEntry("second_domain", "land.com")
                .containsEntry("last_event_id", "event_d_" + d);
        assertThat(instant(dir.get("updated_at"))).isEqualTo(Instant.parse("2026-05-19T08:00:00Z"));
        assertThat(instant(dir.get("last_event_at"))).isEqualTo(Instant.parse("2026-05-19T08:00:00.250Z"));

        Map<String, Object> u = f.query("""
                SELECT directory_id, organization_id, idp_id, email, first_name, last_name, name, state, role,
                       custom_attributes->>'department_name' AS department,
                       custom_attributes->'manager'->>'email' AS manager_email,
                       (custom_attributes->'emails'->0->>'primary')::boolean AS primary_email,
                       jsonb_typeof(custom_attributes) AS attrs_type,
                       roles @> '["billing"]'::jsonb AS has_billing, jsonb_array_length(roles) AS role_count,
                       pg_typeof(created_at)::text AS created_type, created_at, updated_at
                FROM directory_users WHERE id = 'directory_user_land'""").getFirst();
        assertThat(u).containsEntry("directory_id", d).containsEntry("organization_id", "org_" + d)
                .containsEntry("idp_id", "idp_directory_user_land").containsEntry("email", "Ada.Lovelace@Land.IO")
                .containsEntry("first_name", "First").containsEntry("last_name", "Last").containsEntry("name", "First Last")
                .containsEntry("state", "active").containsEntry("role", "admin")
                .containsEntry("department", "R&D").containsEntry("manager_email", "boss@land.io")
                .containsEntry("primary_email", true).containsEntry("attrs_type", "object")
                .containsEntry("has_billing", true).containsEntry("role_count", 2)
                .containsEntry("created_type", "timestamp with time zone");
        assertThat(instant(u.get("created_at"))).isEqualTo(Instant.parse("2026-05-18T14:03:41.512Z"));
        assertThat(u.get("updated_at")).isNull();

        // the lower(email) index serves case-insensitive lookups
        assertThat(f.scalar("SELECT id FROM directory_users WHERE lower(email) = lower(?)", "ada.lovelace@LAND.io"))
                .isEqualTo("directory_user_land");

        Map<String, Object> g = f.query("SELECT * FROM directory_groups WHERE id = 'directory_group_land'").getFirst();
        assertThat(g).containsEntry("directory_id", d).containsEntry("idp_id", "idp_directory_group_land")
                .containsEntry("name", "Group directory_group_land");
        Map<String, Object> m = f.query("SELECT * FROM directory_group_memberships WHERE user_id = 'directory_user_land'")
                .getFirst();
        assertThat(m).containsEntry("directory_id", d).containsEntry("organization_id", "org_" + d)
                .containsEntry("last_event_id", "event_m_directory_group_land_directory_user_land");
        assertThat(instant(m.get("last_event_at"))).isEqualTo(Instant.parse("2026-05-18T14:03:41.512Z"));
    }

    @Test
    void nullJsonFieldsAndNullTimesAreSqlNull() {
        f.send(Topics.USERS, "directory_user_nulls", with(user("directory_user_nulls", "directory_nulls"),
                "custom_attributes", null, "roles", null, "role", null, "created_at", null, "email", null));
        f.flush();
        eventually().until(() -> f.count("SELECT count(*) FROM directory_users WHERE id = 'directory_user_nulls'") == 1);
        Map<String, Object> u = f.query("SELECT custom_attributes IS NULL AS a, roles IS NULL AS r, role, created_at,"
                + " email FROM directory_users WHERE id = 'directory_user_nulls'").getFirst();
        assertThat(u).containsEntry("a", true).containsEntry("r", true).containsEntry("role", null)
                .containsEntry("created_at", null).containsEntry("email", null);
    }

    @Test
    void anUpdateUpserts() {
        String id = "directory_user_upsert";
        f.send(Topics.USERS, id, with(user(id, "directory_upsert"), "state", "active",
                "custom_attributes", Map.of("department_name", "Sales")));
        f.send(Topics.GROUPS, "directory_group_upsert", group("directory_group_upsert", "directory_upsert"));
        f.flush();
        eventually().until(() -> "Sales".equals(f.scalar(
                "SELECT custom_attributes->>'department_name' FROM directory_users WHERE id = ?", id)));

        f.send(Topics.USERS, id, with(user(id, "directory_upsert"), "state", "inactive", "first_name", "Renamed",
                "custom_attributes", Map.of("department_name", "Marketing", "cost_center", "42"),
                "updated_at", "2026-06-01T00:00:00Z", "last_event_id", "event_2"));
        f.send(Topics.GROUPS, "directory_group_upsert", with(group("directory_group_upsert", "directory_upsert"),
                "name", "Renamed group"));
        f.flush();
        eventually().untilAsserted(() -> {
            Map<String, Object> u = f.query("SELECT state, first_name, last_event_id, updated_at,"
                    + " custom_attributes->>'department_name' AS dep, custom_attributes->>'cost_center' AS cc"
                    + " FROM directory_users WHERE id = ?", id).getFirst();
            assertThat(u).containsEntry("state", "inactive").containsEntry("first_name", "Renamed")
                    .containsEntry("dep", "Marketing").containsEntry("cc", "42").containsEntry("last_event_id", "event_2");
            assertThat(instant(u.get("updated_at"))).isEqualTo(Instant.parse("2026-06-01T00:00:00Z"));
            assertThat(f.scalar("SELECT name FROM directory_groups WHERE id = 'directory_group_upsert'"))
                    .isEqualTo("Renamed group");
        });
        assertThat(f.count("SELECT count(*) FROM directory_users WHERE id = ?", id)).isEqualTo(1);
    }

    @Test
    void aTombstoneDeletesOnEveryTable() {
        String d = "directory_tomb";
        f.send(Topics.DIRECTORIES, d, directory(d, "Tomb"));
        f.send(Topics.USERS, "directory_user_tomb", user("directory_user_tomb", d));
        f.send(Topics.GROUPS, "directory_group_tomb", group("directory_group_tomb", d));
        f.send(Topics.MEMBERSHIPS, membershipKey("directory_group_tomb", "directory_user_tomb"),
                membership("directory_group_tomb", "directory_user_tomb", d));
        f.send(Topics.MEMBERSHIPS, membershipKey("directory_group_tomb", "directory_user_tomb2"),
                membership("directory_group_tomb", "directory_user_tomb2", d));
        f.flush();
        eventually().until(() -> rowsOf(d) == 5);

        f.send(Topics.USERS, "directory_user_tomb", null);
        f.send(Topics.GROUPS, "directory_group_tomb", null);
        f.send(Topics.MEMBERSHIPS, membershipKey("directory_group_tomb", "directory_user_tomb"), null);
        f.send(Topics.DIRECTORIES, d, null);
        f.flush();
        eventually().until(() -> rowsOf(d) == 1);
        // only the other membership of the same group is left
        assertThat(f.scalar("SELECT user_id FROM directory_group_memberships WHERE directory_id = ?", d))
                .isEqualTo("directory_user_tomb2");
    }

    @Test
    void upsertDeleteReinsertInOneBurstEndsInTheLastState() {
        // the same keys change several times within one poll: the sink must apply them in order
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 20; i++) {
                String id = "directory_user_seq_" + i;
                f.send(Topics.USERS, id, with(user(id, "directory_seq"), "name", "round " + round));
                f.send(Topics.USERS, id, null);
                if (round == 2 && i % 2 == 0) {
                    continue;      // even ids end deleted
                }
                f.send(Topics.USERS, id, with(user(id, "directory_seq"), "name", "final " + round));
            }
            String key = membershipKey("directory_group_seq", "directory_user_seq_" + round);
            f.send(Topics.MEMBERSHIPS, key, membership("directory_group_seq", "directory_user_seq_" + round, "directory_seq"));
            f.send(Topics.MEMBERSHIPS, key, null);
            f.send(Topics.MEMBERSHIPS, key, membership("directory_group_seq", "directory_user_seq_" + round, "directory_seq"));
        }
        f.flush();
        eventually().untilAsserted(() -> {
            List<Map<String, Object>> rows = f.query(
                    "SELECT id, name FROM directory_users WHERE directory_id = 'directory_seq' ORDER BY id");
            assertThat(rows).hasSize(10);
            assertThat(rows).allSatisfy(r -> assertThat(r.get("name")).isEqualTo("final 2"));
            assertThat(rows).extracting(r -> Integer.parseInt(((String) r.get("id")).substring(19)))
                    .allSatisfy(i -> assertThat(i % 2).isEqualTo(1));
            assertThat(f.count("SELECT count(*) FROM directory_group_memberships WHERE directory_id = 'directory_seq'"))
                    .isEqualTo(3);
        });
    }

    @Test
    void manyUpdatesOfOneKeyInOneBurstEndInTheLastValue() {
        // batches are multi-row upserts, which PostgreSQL refuses when two rows have one key: the sink must send the
        // last change per key only
        for (int version = 0; version < 200; version++) {
            for (int i = 0; i < 5; i++) {
                String id = "directory_user_hot_" + i;
                f.send(Topics.USERS, id, with(user(id, "directory_hot"), "name", "version " + version));
            }
        }
        f.flush();
        eventually().untilAsserted(() -> assertThat(f.query(
                "SELECT id, name FROM directory_users WHERE directory_id = 'directory_hot' ORDER BY id"))
                .hasSize(5).allSatisfy(r -> assertThat(r.get("name")).isEqualTo("version 199")));
    }

    @Test
    void aDirectoryCascadeLeavesNoRows() {
        String gone = "directory_cascade_gone";
        String kept = "directory_cascade_kept";
        for (String d : List.of(gone, kept)) {
            f.send(Topics.DIRECTORIES, d, directory(d, d));
            for (int u = 0; u < 8; u++) {
                f.send(Topics.USERS, d + "_user_" + u, user(d + "_user_" + u, d));
            }
            for (int g = 0; g < 3; g++) {
                f.send(Topics.GROUPS, d + "_group_" + g, group(d + "_group_" + g, d));
                for (int u = 0; u < 8; u += g + 1) {
                    f.send(Topics.MEMBERSHIPS, membershipKey(d + "_group_" + g, d + "_user_" + u),
                            membership(d + "_group_" + g, d + "_user_" + u, d));
                }
            }
        }
        f.flush();
        long perDirectory = 1 + 8 + 3 + (8 + 4 + 3);
        eventually().until(() -> rowsOf(gone) == perDirectory && rowsOf(kept) == perDirectory);

        // what the topology emits when a directory is deleted: a tombstone for every row it had
        for (int g = 0; g < 3; g++) {
            for (int u = 0; u < 8; u += g + 1) {
                f.send(Topics.MEMBERSHIPS, membershipKey(gone + "_group_" + g, gone + "_user_" + u), null);
            }
            f.send(Topics.GROUPS, gone + "_group_" + g, null);
        }
        for (int u = 0; u < 8; u++) {
            f.send(Topics.USERS, gone + "_user_" + u, null);
        }
        f.send(Topics.DIRECTORIES, gone, null);
        f.flush();

        eventually().until(() -> rowsOf(gone) == 0);
        assertThat(rowsOf(kept)).isEqualTo(perDirectory);
    }

    @Test
    void nonAsciiSurvives() {
        String id = "directory_user_ユニコード_ß";
        String name = "Zoë Šťastná-Ørsted 山田太郎 Ἀθηνᾶ 🚀 \"quoted\" back\\slash";
        String d = "directory_ünï";
        f.send(Topics.DIRECTORIES, d, with(directory(d, "Société Générale — Zürich"), "domains", List.of("bücher.de", "例え.jp")));
        f.send(Topics.USERS, id, with(user(id, d), "name", name, "first_name", "Zoë", "last_name", "山田",
                "email", "zoë@bücher.de", "custom_attributes", Map.of("部署", "開発 🚀", "città", "Zürich")));
        f.send(Topics.GROUPS, "directory_group_ñ", with(group("directory_group_ñ", d), "name", "Équipe Ωmega"));
        f.send(Topics.MEMBERSHIPS, membershipKey("directory_group_ñ", id), membership("directory_group_ñ", id, d));
        f.flush();
        eventually().until(() -> rowsOf(d) == 4);

        Map<String, Object> u = f.query("SELECT name, first_name, last_name, email, custom_attributes->>'部署' AS dept,"
                + " custom_attributes->>'città' AS city FROM directory_users WHERE id = ?", id).getFirst();
        assertThat(u).containsEntry("name", name).containsEntry("first_name", "Zoë").containsEntry("last_name", "山田")
                .containsEntry("email", "zoë@bücher.de").containsEntry("dept", "開発 🚀").containsEntry("city", "Zürich");
        assertThat(f.scalar("SELECT name FROM directories WHERE id = ?", d)).isEqualTo("Société Générale — Zürich");
        assertThat(f.scalar("SELECT domains->>1 FROM directories WHERE id = ?", d)).isEqualTo("例え.jp");
        assertThat(f.scalar("SELECT name FROM directory_groups WHERE id = 'directory_group_ñ'")).isEqualTo("Équipe Ωmega");
        assertThat(f.scalar("SELECT user_id FROM directory_group_memberships WHERE group_id = 'directory_group_ñ'"))
                .isEqualTo(id);
    }

    @Test
    void connectorConfigurationsPassTheWorkersValidation() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        List<Map<String, String>> configs = MirrorResources.resolvedConnectorConfigs(
                f.pg.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD);
        for (Map<String, String> config : configs) {
            JsonNode result = validate(http, config);
            assertThat(errors(result)).as(config.get("name")).isEmpty();
            assertThat(result.get("error_count").asInt()).as(config.get("name")).isZero();
            // Connect ignores keys it does not know, so a misspelt key would be dropped silently: every key we set
            // must be one the worker lists (it lists the connector's, the transforms' and the converters' settings)
            assertThat(unknownKeys(result, config)).as(config.get("name")).isEmpty();
        }

        // the checks bite: a misspelt key is reported as unknown ...
        Map<String, String> typo = new HashMap<>(configs.get(1));
        typo.put("delete.enabeld", typo.remove("delete.enabled"));
        typo.put("value.converter.json.text.feilds", typo.remove("value.converter.json.text.fields"));
        assertThat(unknownKeys(validate(http, typo), typo))
                .containsExactlyInAnyOrder("delete.enabeld", "value.converter.json.text.feilds");

        // ... a class that does not exist, an invalid number or an invalid boolean is an error.
        // (Debezium does not validate the values of insert.mode / primary.key.mode / schema.evolution: an unknown
        // value silently falls back to the default. connect-config's ConnectorConfigsTest pins those values.)
        Map<String, String> broken = new HashMap<>(configs.get(1));
        broken.put("value.converter", "dev.dsync.connect.NoSuchConverter");
        broken.put("transforms.keyToStruct.type", "org.apache.kafka.connect.transforms.HoistField$Kye");
        broken.put("connection.pool.max_size", "four");
        broken.put("delete.enabled", "ture");
        Map<String, List<String>> errors = errors(validate(http, broken));
        assertThat(errors.keySet()).contains("value.converter", "transforms.keyToStruct.type",
                "connection.pool.max_size", "delete.enabled");
    }

    private static Set<String> unknownKeys(JsonNode validation, Map<String, String> config) {
        Set<String> known = new TreeSet<>();
        validation.get("configs").forEach(c -> known.add(c.get("definition").get("name").asText()));
        // Debezium reads it (JdbcSinkConnectorConfig.isUseReductionBuffer; ConnectorConfigsTest reads it through that
        // class, and manyUpdatesOfOneKeyInOneBurstEndInTheLastValue fails without it) but leaves it out of the list
        known.add(JdbcSinkConnectorConfig.USE_REDUCTION_BUFFER);
        Set<String> unknown = new TreeSet<>(config.keySet());
        unknown.removeAll(known);
        return unknown;
    }

    private static JsonNode validate(HttpClient http, Map<String, String> config) throws Exception {
        URI uri = f.worker.restUrl().resolve("connector-plugins/" + MirrorResources.CONNECTOR_CLASS + "/config/validate");
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(uri)
                .PUT(HttpRequest.BodyPublishers.ofString(MirrorFixture.MAPPER.writeValueAsString(config)))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
        return MirrorFixture.MAPPER.readTree(res.body());
    }

    private static Map<String, List<String>> errors(JsonNode validation) {
        Map<String, List<String>> out = new HashMap<>();
        validation.get("configs").forEach(c -> {
            JsonNode errs = c.get("value").get("errors");
            if (errs != null && !errs.isEmpty()) {
                out.put(c.get("value").get("name").asText(),
                        java.util.stream.StreamSupport.stream(errs.spliterator(), false).map(JsonNode::asText).toList());
            }
        });
        return out;
    }

    @Test
    void aBurstIsMirroredCompletely() {
        String d = "directory_burst";
        int users = 3000;
        int groups = 100;
        long start = System.nanoTime();
        f.send(Topics.DIRECTORIES, d, directory(d, "Burst"));
        for (int g = 0; g < groups; g++) {
            f.send(Topics.GROUPS, d + "_group_" + g, group(d + "_group_" + g, d));
        }
        for (int u = 0; u < users; u++) {
            String id = d + "_user_" + u;
            f.send(Topics.USERS, id, with(user(id, d), "custom_attributes", Map.of("n", u)));
            f.send(Topics.MEMBERSHIPS, membershipKey(d + "_group_" + (u % groups), id),
                    membership(d + "_group_" + (u % groups), id, d));
        }
        f.flush();
        long produced = System.nanoTime();
        long expected = 1 + groups + 2L * users;
        eventually().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50)).until(() -> rowsOf(d) == expected);
        long done = System.nanoTime();
        System.out.printf("[burst] %d records: produced in %d ms, last row visible %d ms after the first send"
                        + " (%d ms after the producer flushed)%n", expected, (produced - start) / 1_000_000,
                (done - start) / 1_000_000, (done - produced) / 1_000_000);
        assertThat(f.count("SELECT count(*) FROM directory_users WHERE directory_id = ?"
                + " AND (custom_attributes->>'n')::int BETWEEN 0 AND ?", d, users - 1)).isEqualTo(users);
    }

    @Test
    void allConnectorsRunWithOneTaskEach() {
        assertThat(f.worker.connectorNames()).containsExactlyInAnyOrder("dsync-directories-sink", "dsync-users-sink",
                "dsync-groups-sink", "dsync-group-memberships-sink");
        assertThat(f.worker.allRunning()).as(f.worker.describe()).isTrue();
    }

    /** All rows on all four tables that belong to directory {@code d}. */
    static long rowsOf(String d) {
        return f.count("""
                SELECT (SELECT count(*) FROM directories WHERE id = ?)
                     + (SELECT count(*) FROM directory_users WHERE directory_id = ?)
                     + (SELECT count(*) FROM directory_groups WHERE directory_id = ?)
                     + (SELECT count(*) FROM directory_group_memberships WHERE directory_id = ?)""", d, d, d, d);
    }

    static Instant instant(Object timestamptz) {
        return timestamptz instanceof java.sql.Timestamp ts ? ts.toInstant() : ((OffsetDateTime) timestamptz).toInstant();
    }

    static Map<String, Long> counts() {
        return List.of("directories", "directory_users", "directory_groups", "directory_group_memberships").stream()
                .collect(Collectors.toMap(t -> t, t -> f.count("SELECT count(*) FROM " + t)));
    }
}
