package dev.dsync.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.connector.jdbc.JdbcSinkConnectorConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.Converter;
import org.apache.kafka.connect.transforms.Transformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks the connector files against docs/change-log-format.md without a worker: converters and transforms are
 * instantiated exactly as configured and fed a sample record of the contract. (The embedded module also checks them
 * through a real worker's REST validation and end to end into PostgreSQL.)
 */
class ConnectorConfigsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** topic, table, key bytes, sample value, value fields in contract order. */
    record Contract(String topic, String table, String key, String value, List<String> fields) {
    }

    static Stream<Contract> contracts() {
        return Stream.of(
                new Contract("dsync.directories", "directories", "directory_01A",
                        """
                        {"id":"directory_01A","organization_id":"org_01","type":"okta scim v2.0","state":"active",
                         "name":"Acme Ωmega","domains":["acme.com","acme.io"],"created_at":"2026-05-18T14:03:41.512Z",
                         "updated_at":"2026-05-18T14:03:42Z","last_event_id":"event_01","last_event_at":"2026-05-18T14:03:43.001Z"}""",
                        List.of("id", "organization_id", "type", "state", "name", "domains", "created_at",
                                "updated_at", "last_event_id", "last_event_at")),
                new Contract("dsync.users", "directory_users", "directory_user_01A",
                        """
                        {"id":"directory_user_01A","directory_id":"directory_01A","organization_id":"org_01",
                         "idp_id":"00u1","email":"Zoë@Acme.com","first_name":"Zoë","last_name":"Šťastná","name":"Zoë Šťastná",
                         "state":"active","role":"admin","roles":["admin","member"],
                         "custom_attributes":{"department_name":"R&D","manager":{"id":"m1"}},
                         "created_at":"2026-05-18T14:03:41.512Z","updated_at":"2026-05-18T14:03:42Z",
                         "last_event_id":"event_02","last_event_at":"2026-05-18T14:03:43.001Z"}""",
                        List.of("id", "directory_id", "organization_id", "idp_id", "email", "first_name", "last_name",
                                "name", "state", "role", "roles", "custom_attributes", "created_at", "updated_at",
                                "last_event_id", "last_event_at")),
                new Contract("dsync.groups", "directory_groups", "directory_group_01A",
                        """
                        {"id":"directory_group_01A","directory_id":"directory_01A","organization_id":"org_01",
                         "idp_id":"g1","name":"Engineering","created_at":"2026-05-18T14:03:41.512Z",
                         "updated_at":"2026-05-18T14:03:42Z","last_event_id":"event_03","last_event_at":"2026-05-18T14:03:43.001Z"}""",
                        List.of("id", "directory_id", "organization_id", "idp_id", "name", "created_at", "updated_at",
                                "last_event_id", "last_event_at")),
                new Contract("dsync.group_memberships", "directory_group_memberships",
                        "{\"group_id\":\"directory_group_01A\",\"user_id\":\"directory_user_01A\"}",
                        """
                        {"group_id":"directory_group_01A","user_id":"directory_user_01A","directory_id":"directory_01A",
                         "organization_id":"org_01","last_event_id":"event_04","last_event_at":"2026-05-18T14:03:43.001Z"}""",
                        List.of("group_id", "user_id", "directory_id", "organization_id", "last_event_id",
                                "last_event_at")));
    }

    private static MirrorResources.Connector connectorFor(String topic) {
        return MirrorResources.connectors().stream().filter(c -> topic.equals(c.topics())).findFirst().orElseThrow();
    }

    @Test
    void everyFileIsListedAndEveryListedFileExists() throws IOException {
        assertThat(listDir("connectors", ".json")).containsExactlyInAnyOrderElementsOf(MirrorResources.CONNECTOR_FILES);
        assertThat(listDir("migrations", ".sql")).containsExactlyInAnyOrderElementsOf(MirrorResources.MIGRATION_FILES);
        assertThat(MirrorResources.connectors()).hasSize(4);
        assertThat(MirrorResources.connectors()).extracting(MirrorResources.Connector::topics)
                .containsExactlyInAnyOrder("dsync.directories", "dsync.users", "dsync.groups", "dsync.group_memberships");
    }

    private static List<String> listDir(String dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(Path.of(dir))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    @Test
    void commonSinkSettings() {
        for (MirrorResources.Connector c : MirrorResources.connectors()) {
            Map<String, String> cfg = c.config();
            assertThat(c.name()).startsWith("dsync-").endsWith("-sink");
            assertThat(cfg).containsEntry("connector.class", MirrorResources.CONNECTOR_CLASS)
                    .containsEntry("insert.mode", "upsert")
                    .containsEntry("use.reduction.buffer", "true")
                    .containsEntry("primary.key.mode", "record_key")
                    .containsEntry("delete.enabled", "true")
                    .containsEntry("schema.evolution", "none")
                    .containsEntry("connection.url", "${env:DSYNC_JDBC_URL}")
                    .containsEntry("connection.username", "${env:DSYNC_JDBC_USER}")
                    .containsEntry("connection.password", "${env:DSYNC_JDBC_PASSWORD}")
                    .containsEntry("value.converter.schemas.enable", "true")
                    .containsEntry("flush.max.retries", "10")
                    .containsEntry("flush.retry.delay.ms", "3000")
                    .containsEntry("connection.restart.on.errors", "true")
                    .doesNotContainKey("name");
        }
    }

    /**
     * Batches go to PostgreSQL as multi-row upserts, and such a statement fails when two of its rows have one key: every
     * sink reduces a batch to the last change per key (read through Debezium's own config class, so a renamed option
     * cannot be ignored silently). A URL that already sets the rewrite keeps its own choice.
     */
    @Test
    void batchesAreMultiRowUpsertsOfOneChangePerKey() {
        for (Map<String, String> cfg : MirrorResources.resolvedConnectorConfigs(
                "jdbc:postgresql://127.0.0.1:15432/dsync", "dsync", "dsync")) {
            assertThat(new JdbcSinkConnectorConfig(cfg).isUseReductionBuffer()).as(cfg.get("name")).isTrue();
            assertThat(cfg.get("connection.url"))
                    .isEqualTo("jdbc:postgresql://127.0.0.1:15432/dsync?reWriteBatchedInserts=true");
        }
        assertThat(MirrorResources.sinkJdbcUrl("jdbc:postgresql://db/m?sslmode=require"))
                .isEqualTo("jdbc:postgresql://db/m?sslmode=require&reWriteBatchedInserts=true");
        assertThat(MirrorResources.sinkJdbcUrl("jdbc:postgresql://db/m?reWriteBatchedInserts=false"))
                .isEqualTo("jdbc:postgresql://db/m?reWriteBatchedInserts=false");
    }

    /**
     * The sink retries a failed write itself before its task fails: long enough that a database restart or a short
     * network blip never fails the task (SinkSupervisor restarts it after longer outages), short enough that the
     * blocked put() returns well within the consumer's max.poll.interval.ms (300 s), or the worker would be thrown
     * out of its group. Debezium counts a lost connection as retriable only with connection.restart.on.errors
     * (otherwise the flush retries never apply to an outage and the task fails at once). Read through Debezium's own
     * config class, so a renamed option cannot be ignored silently.
     */
    @Test
    void theSinkRidesOutShortOutagesOnItsOwn() {
        for (Map<String, String> cfg : MirrorResources.resolvedConnectorConfigs(
                "jdbc:postgresql://127.0.0.1:15432/dsync", "dsync", "dsync")) {
            JdbcSinkConnectorConfig sink = new JdbcSinkConnectorConfig(cfg);
            assertThat(JdbcSinkConnectorConfig.FLUSH_MAX_RETRIES).isEqualTo("flush.max.retries");
            assertThat(JdbcSinkConnectorConfig.FLUSH_RETRY_DELAY_MS).isEqualTo("flush.retry.delay.ms");
            assertThat(JdbcSinkConnectorConfig.CONNECTION_RESTART_ON_ERRORS).isEqualTo("connection.restart.on.errors");
            assertThat(sink.isConnectionRestartOnErrors()).as(cfg.get("name")).isTrue();
            Duration window = Duration.ofMillis(sink.getFlushMaxRetries() * sink.getFlushRetryDelayMs());
            assertThat(window).as(cfg.get("name")).isEqualTo(Duration.ofSeconds(30));
            // each attempt may also wait for the driver's connect timeout (10 s) when the host does not answer
            Duration worstCase = window.plus(Duration.ofSeconds(10).multipliedBy(sink.getFlushMaxRetries() + 1));
            assertThat(worstCase).as(cfg.get("name")).isLessThan(Duration.ofSeconds(300));
        }
    }

    @ParameterizedTest
    @MethodSource("contracts")
    void sampleRecordConvertsToTheContractShape(Contract contract) throws Exception {
        MirrorResources.Connector connector = connectorFor(contract.topic());
        Map<String, String> cfg = connector.config();
        assertThat(connector.table()).isEqualTo(contract.table());

        Converter keyConverter = converter(cfg, "key.converter", true);
        Converter valueConverter = converter(cfg, "value.converter", false);
        SchemaAndValue key = keyConverter.toConnectData(contract.topic(), contract.key().getBytes(StandardCharsets.UTF_8));
        SchemaAndValue value = valueConverter.toConnectData(contract.topic(), contract.value().getBytes(StandardCharsets.UTF_8));
        SinkRecord record = new SinkRecord(contract.topic(), 0, key.schema(), key.value(), value.schema(), value.value(), 0);
        for (Transformation<SinkRecord> t : transforms(cfg)) {
            record = t.apply(record);
        }

        // key: a struct whose fields are the table's primary key
        assertThat(record.keySchema().type()).isEqualTo(Schema.Type.STRUCT);
        Struct keyStruct = (Struct) record.key();
        JsonNode sample = MAPPER.readTree(contract.value());
        for (Field f : record.keySchema().fields()) {
            assertThat(keyStruct.getString(f.name())).isEqualTo(sample.get(f.name()).asText());
        }
        if (contract.topic().equals("dsync.group_memberships")) {
            assertThat(record.keySchema().fields()).extracting(Field::name).containsExactly("group_id", "user_id");
        } else {
            assertThat(record.keySchema().fields()).extracting(Field::name).containsExactly("id");
        }

        // value: exactly the contract's fields, none silently nulled, typed for jsonb / timestamptz
        Struct v = (Struct) record.value();
        assertThat(v.schema().fields()).extracting(Field::name).containsExactlyElementsOf(contract.fields());
        for (Field f : v.schema().fields()) {
            JsonNode expected = sample.get(f.name());
            Object actual = v.get(f);
            assertThat(actual).as(f.name()).isNotNull();
            if (expected.isContainerNode()) {
                assertThat(f.schema().name()).as(f.name()).isEqualTo("io.debezium.data.Json");
                assertThat(MAPPER.readTree((String) actual)).as(f.name()).isEqualTo(expected);
            } else {
                assertThat(actual).as(f.name()).isEqualTo(expected.asText());
            }
            if (f.name().endsWith("_at")) {
                assertThat(f.schema().name()).as(f.name()).isEqualTo("io.debezium.time.ZonedTimestamp");
            }
        }

        // tombstone: null value, key still a struct -> the sink deletes
        SinkRecord tombstone = new SinkRecord(contract.topic(), 0, key.schema(), key.value(),
                valueConverter.toConnectData(contract.topic(), null).schema(), null, 1);
        for (Transformation<SinkRecord> t : transforms(cfg)) {
            tombstone = t.apply(tombstone);
        }
        assertThat(tombstone.value()).isNull();
        assertThat(tombstone.key()).isInstanceOf(Struct.class);
    }

    @Test
    void placeholdersAreSubstitutedAndNameIsAdded() {
        List<Map<String, String>> resolved = MirrorResources.resolvedConnectorConfigs(
                "jdbc:postgresql://127.0.0.1:15432/dsync", "dsync", "pa$$\\word");
        for (Map<String, String> cfg : resolved) {
            assertThat(cfg.get("name")).startsWith("dsync-");
            assertThat(cfg).containsEntry("connection.url",
                            "jdbc:postgresql://127.0.0.1:15432/dsync?reWriteBatchedInserts=true")
                    .containsEntry("connection.username", "dsync")
                    .containsEntry("connection.password", "pa$$\\word");
            assertThat(cfg.values()).noneMatch(v -> v.contains("${env:"));
        }
        assertThat(MirrorResources.substitute("x ${env:OTHER} ${env:A}", Map.of("A", "1"))).isEqualTo("x ${env:OTHER} 1");
    }

    @Test
    void migrationsAreVersioned() {
        List<MirrorResources.Migration> migrations = MirrorResources.migrations();
        assertThat(migrations).extracting(MirrorResources.Migration::version).containsExactly(1);
        MirrorResources.Migration v1 = migrations.getFirst();
        assertThat(v1.description()).isEqualTo("directory mirror");
        assertThat(v1.checksum()).hasSize(64).isEqualTo(v1.checksum());
        assertThat(v1.sql()).contains("CREATE TABLE IF NOT EXISTS directories", "CREATE TABLE IF NOT EXISTS directory_users",
                "CREATE TABLE IF NOT EXISTS directory_groups", "CREATE TABLE IF NOT EXISTS directory_group_memberships");
    }

    private static Converter converter(Map<String, String> cfg, String prefix, boolean isKey) throws Exception {
        Converter c = (Converter) Class.forName(cfg.get(prefix)).getDeclaredConstructor().newInstance();
        c.configure(withPrefix(cfg, prefix + "."), isKey);
        return c;
    }

    @SuppressWarnings("unchecked")
    private static List<Transformation<SinkRecord>> transforms(Map<String, String> cfg) throws Exception {
        String names = cfg.get("transforms");
        if (names == null || names.isBlank()) {
            return List.of();
        }
        List<Transformation<SinkRecord>> result = new java.util.ArrayList<>();
        for (String name : names.split(",")) {
            String prefix = "transforms." + name.trim() + ".";
            Transformation<SinkRecord> t = (Transformation<SinkRecord>) Class.forName(cfg.get(prefix + "type"))
                    .getDeclaredConstructor().newInstance();
            Map<String, String> tc = new HashMap<>(withPrefix(cfg, prefix));
            tc.remove("type");
            t.configure(tc);
            result.add(t);
        }
        return result;
    }

    private static Map<String, String> withPrefix(Map<String, String> cfg, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        cfg.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }
}
