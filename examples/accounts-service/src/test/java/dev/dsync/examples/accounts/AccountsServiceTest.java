package dev.dsync.examples.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.dsync.client.DirectoryUser;
import dev.dsync.client.DsyncSerdes;
import dev.dsync.client.DsyncTopics;
import dev.dsync.client.EntityState;
import dev.dsync.client.GroupMembership;
import dev.dsync.client.ProvisioningEvent;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.embedded.LocalPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service against a real broker and a real PostgreSQL, fed hand-written provisioning records through a
 * transactional producer as the topology writes them: every type it acts on, a duplicate, an unknown type, an
 * unreadable value, an aborted transaction, and a second consumer group replaying everything.
 */
@Tag("integration")
class AccountsServiceTest {

    private static final String DIR_A = "directory_01JVAAAAAAAAAAAAAAAAAAAAAA";
    private static final String DIR_B = "directory_01JVBBBBBBBBBBBBBBBBBBBBBB";
    private static final String ORG = "org_01JV3C5W2D8F1G4H6J7K9L0M1N";
    private static final String ALICE = "directory_user_01JVALICE0000000000000000";
    private static final String BOB = "directory_user_01JVBOB000000000000000000";
    private static final String CHLOE = "directory_user_01JVCHLOE0000000000000000";
    private static final String ENGINEERING = "directory_group_01JVENG00000000000000000";

    @TempDir
    static Path dir;
    static EmbeddedKafka kafka;
    static LocalPostgres postgres;

    private int sequence;

    @BeforeAll
    static void start() {
        kafka = new EmbeddedKafka(dir.resolve("kafka"), EmbeddedKafka.freePort()).start();
        kafka.createTopics(List.of(DsyncTopics.PROVISIONING), 3);
        postgres = LocalPostgres.start(dir.resolve("pg"), 0);
    }

    @AfterAll
    static void stop() {
        if (postgres != null) {
            postgres.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private AccountsConfig config(String group) {
        return AccountsConfig.fromEnv(Map.of(
                "DSYNC_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "ACCOUNTS_GROUP_ID", group,
                "DSYNC_JDBC_URL", postgres.jdbcUrl(),
                "DSYNC_JDBC_USER", LocalPostgres.USER,
                "DSYNC_JDBC_PASSWORD", LocalPostgres.PASSWORD));
    }

    @Test
    void keepsAccountsExactlyOncePerChangeAndReplaysAsNoOps() throws Exception {
        try (AccountsService service = AccountsService.start(config("accounts-test"))) {
            sql("insert into accounts.sessions (id, user_id) values ('s1', '" + ALICE + "'), ('s2', '" + ALICE
                    + "'), ('s3', '" + BOB + "'), ('s4', '" + CHLOE + "'), ('s5', 'directory_user_01JVNEVERCHANGED00000000')");

            DirectoryUser alice = user(ALICE, DIR_A, "active", "member");
            DirectoryUser bob = user(BOB, DIR_A, "inactive", null);
            DirectoryUser chloe = user(CHLOE, DIR_B, "active", "admin");
            GroupMembership aliceInEng = new GroupMembership(ENGINEERING, ALICE, DIR_A, ORG, "event_m1",
                    Instant.parse("2026-05-18T14:00:05Z"));
            try (KafkaProducer<String, byte[]> producer = producer()) {
                producer.initTransactions();
                producer.beginTransaction();
                send(producer, "user.provisioned", DIR_A, null, alice, "webhook");
                send(producer, "user.deactivated", DIR_A, null, bob, "webhook");  // appears inactive
                send(producer, "user.provisioned", DIR_B, null, chloe, "webhook");
                send(producer, "membership.granted", DIR_A, null, aliceInEng, "webhook");
                send(producer, "group.created", DIR_A, null, null, "webhook");
                producer.commitTransaction();

                // rolled back by dsync: a read_committed consumer never sees it
                producer.beginTransaction();
                send(producer, "user.deprovisioned", DIR_B, chloe, null, "webhook");
                producer.flush();
                producer.abortTransaction();

                producer.beginTransaction();
                DirectoryUser alicePromoted = user(ALICE, DIR_A, "active", "admin");
                ProvisioningEvent update = send(producer, "user.updated", DIR_A, alice, alicePromoted, "webhook");
                resend(producer, update);                                        // a duplicate id
                send(producer, "user.deactivated", DIR_A, alicePromoted, user(ALICE, DIR_A, "inactive", "admin"), "webhook");
                send(producer, "user.reactivated", DIR_A, null, user(BOB, DIR_A, "active", null), "webhook");
                send(producer, "role.assigned", DIR_A, null, null, "webhook");   // a newer dsync's type
                producer.send(new ProducerRecord<>(DsyncTopics.PROVISIONING, DIR_B,
                        "{\"id\":\"prov_broken\",\"occurred_at\":42,".getBytes(StandardCharsets.UTF_8)));
                send(producer, "user.deprovisioned", DIR_B, chloe, null, "webhook");
                send(producer, "membership.granted", DIR_B,
                        null, new GroupMembership(ENGINEERING, CHLOE, DIR_B, ORG, "event_m2", Instant.now()), "webhook");
                send(producer, "membership.revoked", DIR_B,
                        new GroupMembership(ENGINEERING, CHLOE, DIR_B, ORG, "event_m2", Instant.now()), null, "cascade");
                producer.commitTransaction();
            }

            // 14 committed records: 10 applied, 1 duplicate, 2 ignored (group, unknown type), 1 unreadable
            await().atMost(Duration.ofSeconds(60)).until(() -> service.stats().seen() == 14);
            assertThat(service.stats()).isEqualTo(new AccountsService.Stats(10, 1, 2, 1));
        }

        assertThat(accounts()).isEqualTo(Map.of(
                ALICE, DIR_A + " deactivated admin",
                BOB, DIR_A + " active null"));
        assertThat(rows("select group_id || ' ' || user_id from accounts.access_grants"))
                .containsExactly(ENGINEERING + " " + ALICE);
        // every user deactivated (Alice, and Bob, who appeared inactive) or deprovisioned (Chloe) lost its sessions
        assertThat(rows("select id from accounts.sessions order by id")).containsExactly("s5");

        // a new group replays the topic from the start: every record is recognised, nothing changes
        Map<String, String> before = accountsWithVersions();
        try (AccountsService replay = AccountsService.start(config("accounts-replay"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> replay.stats().seen() == 14);
            assertThat(replay.stats()).isEqualTo(new AccountsService.Stats(0, 13, 0, 1));
        }
        assertThat(accountsWithVersions()).isEqualTo(before);
        assertThat(rows("select count(*) from accounts.processed_events")).containsExactly("12");
    }

    private ProvisioningEvent send(KafkaProducer<String, byte[]> producer, String type, String directory,
                                   EntityState before, EntityState after, String source) {
        EntityState any = after != null ? after : before;
        ProvisioningEvent.Entity entity = switch (any) {
            case DirectoryUser u -> new ProvisioningEvent.Entity("user", u.id(), null, null);
            case GroupMembership m -> new ProvisioningEvent.Entity("membership", null, m.groupId(), m.userId());
            case null -> new ProvisioningEvent.Entity(type.startsWith("group") ? "group" : "role", "x_" + sequence, null, null);
            default -> throw new IllegalArgumentException(any.toString());
        };
        String eventId = "event_" + (++sequence);
        Instant at = Instant.parse("2026-05-18T14:00:00Z").plusSeconds(sequence);
        ProvisioningEvent event = new ProvisioningEvent(String.format("prov_%032x", sequence), type, directory, ORG,
                entity, before, after, List.of("state"), new ProvisioningEvent.Cause(eventId, "dsync.x", source),
                at, at.plusMillis(200));
        resend(producer, event);
        return event;
    }

    private void resend(KafkaProducer<String, byte[]> producer, ProvisioningEvent event) {
        producer.send(new ProducerRecord<>(DsyncTopics.PROVISIONING, event.directoryId(),
                DsyncSerdes.provisioningEvent().serializer().serialize(DsyncTopics.PROVISIONING, event)));
    }

    private static DirectoryUser user(String id, String directory, String state, String role) {
        return new DirectoryUser(id, directory, ORG, "idp-" + id, id + "@example.test", "First", "Last", null, state,
                role, role == null ? List.of() : List.of(role), null, Instant.parse("2026-05-18T13:00:00Z"),
                Instant.parse("2026-05-18T13:00:00Z"), "event_x", Instant.parse("2026-05-18T13:00:00Z"));
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "accounts-test-producer");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static Map<String, String> accounts() throws SQLException {
        Map<String, String> out = new TreeMap<>();
        for (String row : rows("select user_id || '|' || directory_id || ' ' || status || ' ' || coalesce(role, 'null') from accounts.accounts")) {
            out.put(row.substring(0, row.indexOf('|')), row.substring(row.indexOf('|') + 1));
        }
        return out;
    }

    private static Map<String, String> accountsWithVersions() throws SQLException {
        Map<String, String> out = new TreeMap<>();
        for (String row : rows("select user_id || '|' || accounts::text from accounts.accounts")) {
            out.put(row.substring(0, row.indexOf('|')), row.substring(row.indexOf('|') + 1));
        }
        return out;
    }

    private static List<String> rows(String query) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(query); ResultSet r = s.executeQuery()) {
            List<String> out = new ArrayList<>();
            while (r.next()) {
                out.add(r.getString(1));
            }
            return out;
        }
    }

    private static void sql(String statement) throws SQLException {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(statement)) {
            s.executeUpdate();
        }
    }

    private static Connection connect() throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(), LocalPostgres.USER, LocalPostgres.PASSWORD);
    }
}
