package dev.dsync.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dsync.connect.MirrorSchema;
import dev.dsync.events.Topics;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** A real KRaft broker, a real embedded PostgreSQL (migrated) and optionally a real Connect worker, for one test class. */
final class MirrorFixture implements AutoCloseable {

    static final ObjectMapper MAPPER = new ObjectMapper();

    final Path dir;
    final EmbeddedKafka kafka;
    final LocalPostgres pg;
    final KafkaProducer<String, String> producer;
    ConnectWorker worker;

    private MirrorFixture(Path dir, EmbeddedKafka kafka, LocalPostgres pg, KafkaProducer<String, String> producer) {
        this.dir = dir;
        this.kafka = kafka;
        this.pg = pg;
        this.producer = producer;
    }

    /** Only the query helpers, on another database. */
    static MirrorFixture view(LocalPostgres other) {
        return new MirrorFixture(null, null, other, null);
    }

    static MirrorFixture start(Path dir, boolean withWorker) {
        long t0 = System.nanoTime();
        EmbeddedKafka kafka = new EmbeddedKafka(dir.resolve("kafka"), 0).start();
        kafka.createTopics(Topics.CHANGE_LOGS, 3);
        long t1 = System.nanoTime();
        LocalPostgres pg = LocalPostgres.start(dir.resolve("postgres"), 0);
        long t2 = System.nanoTime();
        MirrorSchema.migrate(pg.target());
        long t3 = System.nanoTime();
        log("kafka+topics %d ms, postgres %d ms, migration %d ms", ms(t1 - t0), ms(t2 - t1), ms(t3 - t2));
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        KafkaProducer<String, String> producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
        MirrorFixture f = new MirrorFixture(dir, kafka, pg, producer);
        if (withWorker) {
            f.startWorker();
        }
        return f;
    }

    ConnectWorker startWorker() {
        long t0 = System.nanoTime();
        worker = newWorker().start();
        long t1 = System.nanoTime();
        worker.registerDsyncConnectors(pg.target());
        worker.awaitConnectorsRunning(Duration.ofSeconds(60));
        log("connect worker %d ms, connectors running %d ms later", ms(t1 - t0), ms(System.nanoTime() - t1));
        return worker;
    }

    static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    static void log(String format, Object... args) {
        System.out.printf("[fixture] " + format + "%n", args);
    }

    ConnectWorker newWorker() {
        return new ConnectWorker(kafka.bootstrapServers(), dir.resolve("connect"), 0)
                .withWorkerProperty("consumer.session.timeout.ms", "6000")
                .withWorkerProperty("consumer.heartbeat.interval.ms", "1000");
    }

    // ---- producing change-log records (docs/change-log-format.md) ----

    void send(String topic, String key, Map<String, Object> value) {
        try {
            String json = value == null ? null : MAPPER.writeValueAsString(value);
            producer.send(new ProducerRecord<>(topic, key, json));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void flush() {
        producer.flush();
    }

    static String membershipKey(String groupId, String userId) {
        return "{\"group_id\":\"" + groupId + "\",\"user_id\":\"" + userId + "\"}";
    }

    static Map<String, Object> directory(String id, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("organization_id", "org_" + id);
        m.put("type", "okta scim v2.0");
        m.put("state", "active");
        m.put("name", name);
        m.put("domains", List.of("example.com"));
        m.put("created_at", "2026-05-18T14:03:41.512Z");
        m.put("updated_at", "2026-05-18T14:03:41.512Z");
        m.put("last_event_id", "event_d_" + id);
        m.put("last_event_at", "2026-05-18T14:03:41.512Z");
        return m;
    }

    static Map<String, Object> user(String id, String directoryId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("directory_id", directoryId);
        m.put("organization_id", "org_" + directoryId);
        m.put("idp_id", "idp_" + id);
        m.put("email", id + "@example.com");
        m.put("first_name", "First");
        m.put("last_name", "Last");
        m.put("name", "First Last");
        m.put("state", "active");
        m.put("role", "member");
        m.put("roles", List.of("member"));
        m.put("custom_attributes", Map.of("department_name", "Engineering"));
        m.put("created_at", "2026-05-18T14:03:41.512Z");
        m.put("updated_at", "2026-05-18T14:03:41.512Z");
        m.put("last_event_id", "event_u_" + id);
        m.put("last_event_at", "2026-05-18T14:03:41.512Z");
        return m;
    }

    static Map<String, Object> group(String id, String directoryId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("directory_id", directoryId);
        m.put("organization_id", "org_" + directoryId);
        m.put("idp_id", "idp_" + id);
        m.put("name", "Group " + id);
        m.put("created_at", "2026-05-18T14:03:41.512Z");
        m.put("updated_at", "2026-05-18T14:03:41.512Z");
        m.put("last_event_id", "event_g_" + id);
        m.put("last_event_at", "2026-05-18T14:03:41.512Z");
        return m;
    }

    static Map<String, Object> membership(String groupId, String userId, String directoryId) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("group_id", groupId);
        m.put("user_id", userId);
        m.put("directory_id", directoryId);
        m.put("organization_id", "org_" + directoryId);
        m.put("last_event_id", "event_m_" + groupId + "_" + userId);
        m.put("last_event_at", "2026-05-18T14:03:41.512Z");
        return m;
    }

    static Map<String, Object> with(Map<String, Object> base, Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    // ---- reading PostgreSQL ----

    List<Map<String, Object>> query(String sql, Object... args) {
        try (Connection c = pg.target().connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                List<Map<String, Object>> rows = new ArrayList<>();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    long count(String sql, Object... args) {
        return ((Number) query(sql, args).getFirst().values().iterator().next()).longValue();
    }

    Object scalar(String sql, Object... args) {
        List<Map<String, Object>> rows = query(sql, args);
        return rows.isEmpty() ? null : rows.getFirst().values().iterator().next();
    }

    @Override
    public void close() {
        long t0 = System.nanoTime();
        producer.close(Duration.ofSeconds(5));
        if (worker != null) {
            worker.close();
        }
        long t1 = System.nanoTime();
        pg.close();
        long t2 = System.nanoTime();
        kafka.close();
        log("stopped: producer+worker %d ms, postgres %d ms, kafka %d ms", ms(t1 - t0), ms(t2 - t1), ms(System.nanoTime() - t2));
    }

    static void sleep(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
