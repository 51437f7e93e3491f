package dev.dsync.examples.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.client.DsyncJson;
import dev.dsync.client.DsyncSerdes;
import dev.dsync.client.DsyncTopics;
import dev.dsync.client.EntityKind;
import dev.dsync.client.EntityState;
import dev.dsync.client.ProvisioningEvent;
import dev.dsync.client.ProvisioningType;
import dev.dsync.launcher.LocalStackAccess;
import dev.dsync.launcher.simulate.SimulatedDirectories.InactivePolicy;
import dev.dsync.launcher.simulate.Simulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The example service against the whole local stack ({@code ./dsync up} on free ports), driven by the simulator
 * with WorkOS's delivery faults. The service consumes {@code dsync.provisioning} while the simulation runs and
 * writes its tables into the stack's own PostgreSQL; once the mirror has converged, its accounts and access grants
 * must equal the mirror's users and memberships, every record must read as the documented format, and a second
 * consumer group replaying the topic from the start must change nothing.
 */
@Tag("integration")
class AccountsServiceEndToEndTest {

    private static final Pattern PROVISIONING_ID = Pattern.compile("prov_[0-9a-f]{32}");
    private static final Set<String> SOURCES = Set.of("webhook", "events-api", "reconciliation", "cascade");

    @TempDir
    Path dataDir;

    @ParameterizedTest
    @EnumSource(InactivePolicy.class)
    void accountsFollowTheMirrorExactlyOnce(InactivePolicy policy) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir,
                Map.of("DSYNC_INACTIVE_USERS", policy.name().toLowerCase(), "DSYNC_COMMIT_INTERVAL", "PT0.2S"), out)) {
            String bootstrap = stack.embeddedKafka().bootstrapServers();
            AccountsConfig config = AccountsConfig.fromEnv(Map.of(
                    "DSYNC_KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                    "ACCOUNTS_GROUP_ID", "accounts-e2e",
                    "DSYNC_JDBC_URL", stack.jdbcUrl()));

            try (AccountsService service = AccountsService.start(config)) {
                Simulator.Options options = new Simulator.Options(200, 20261128L + policy.ordinal(), 8, 180,
                        URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos"),
                        stack.webhookSecret(), URI.create("http://127.0.0.1:" + stack.queryPort() + "/"),
                        stack.queryToken(), stack.jdbcUrl(), "dsync", "dsync", policy);
                Simulator.Summary summary = Simulator.run(options, out);
                assertThat(summary.mismatches()).as(log.toString(StandardCharsets.UTF_8)).isEmpty();

                // the mirror has converged, and the provisioning records share the change-logs' transactions
                List<ProvisioningEvent> records = readAll(bootstrap);
                checkDocumentedFormat(records);
                long ignorable = records.stream().filter(e -> e.entity().kind() == EntityKind.DIRECTORY
                        || e.entity().kind() == EntityKind.GROUP).count();

                await().atMost(Duration.ofSeconds(120)).until(() -> service.stats().seen() >= records.size());
                AccountsService.Stats stats = service.stats();
                assertThat(stats.seen()).isEqualTo(records.size());
                assertThat(stats.unreadable()).isZero();
                assertThat(stats.ignored()).isEqualTo(ignorable);

                try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync")) {
                    System.out.printf("%s: %d provisioning records %s; service %s; %s accounts, %s grants%n", policy,
                            records.size(), records.stream().collect(java.util.stream.Collectors.groupingBy(
                                    ProvisioningEvent::typeName, java.util.TreeMap::new,
                                    java.util.stream.Collectors.counting())),
                            stats, rows(db, "select count(*) from accounts.accounts"),
                            rows(db, "select count(*) from accounts.access_grants"));
                    assertThat(rows(db, """
                            select user_id, directory_id, organization_id, email, role, status from accounts.accounts""")
                    ).as("accounts vs directory_users").isEqualTo(rows(db, """
                            select id, directory_id, organization_id, email, role,
                                   case state when 'active' then 'active' else 'deactivated' end
                            from directory_users""")).isNotEmpty();
                    assertThat(rows(db, "select group_id, user_id, directory_id from accounts.access_grants"))
                            .as("access grants vs memberships")
                            .isEqualTo(rows(db, "select group_id, user_id, directory_id from directory_group_memberships"))
                            .isNotEmpty();
                    // every record was applied once: one dedupe row per distinct id, and every id is distinct
                    assertThat(rows(db, "select count(*) from accounts.processed_events"))
                            .containsExactly(List.of(String.valueOf(records.size())));
                    // the simulation deleted a directory, deactivated users and removed memberships: the tables
                    // must have seen removals, not just inserts
                    List<ProvisioningType> types = records.stream().map(ProvisioningEvent::type).toList();
                    assertThat(types).contains(ProvisioningType.USER_PROVISIONED, ProvisioningType.USER_UPDATED,
                            ProvisioningType.USER_DEPROVISIONED, ProvisioningType.MEMBERSHIP_GRANTED,
                            ProvisioningType.MEMBERSHIP_REVOKED, ProvisioningType.DIRECTORY_DELETED);
                    if (policy == InactivePolicy.RETAIN) {
                        assertThat(types).contains(ProvisioningType.USER_DEACTIVATED);
                    } else {
                        // an inactive user is deleted: deprovisioned, never deactivated
                        assertThat(types).doesNotContain(ProvisioningType.USER_DEACTIVATED,
                                ProvisioningType.USER_REACTIVATED);
                    }
                }
            }

            try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync")) {
                Set<List<String>> before = snapshot(db);
                try (AccountsService replay = AccountsService.start(config.withGroupId("accounts-e2e-replay"))) {
                    int total = readAll(bootstrap).size();
                    await().atMost(Duration.ofSeconds(120)).until(() -> replay.stats().seen() >= total);
                    assertThat(replay.stats()).isEqualTo(new AccountsService.Stats(0, total, 0, 0));
                }
                assertThat(snapshot(db)).isEqualTo(before);
            }
        }
    }

    /**
     * What docs/change-log-format.md promises a consumer, on the records a real run produced: known types and
     * kinds, typed before/after, distinct ids of the documented shape, sorted changed fields without sync
     * metadata, and each entity's {@code before} equal to its previous {@code after} but for that metadata.
     */
    private static void checkDocumentedFormat(List<ProvisioningEvent> records) {
        assertThat(records).isNotEmpty();
        Set<String> ids = new HashSet<>();
        Map<String, ObjectNode> lastAfter = new HashMap<>();
        for (ProvisioningEvent e : records) {
            String where = e.id() + " " + e.typeName();
            assertThat(ids.add(e.id())).as("distinct id " + where).isTrue();
            assertThat(e.id()).as(where).matches(PROVISIONING_ID);
            assertThat(e.type()).as(where).isNotEqualTo(ProvisioningType.UNKNOWN);
            assertThat(e.entity().kind()).as(where).isNotEqualTo(EntityKind.UNKNOWN);
            assertThat(e.typeName()).as(where).startsWith(e.entity().kindName() + ".");
            assertThat(e.directoryId()).as(where).isNotNull();
            assertThat(e.occurredAt()).as(where).isNotNull();
            assertThat(e.appliedAt()).as(where).isNotNull();
            assertThat(e.cause().eventId()).as(where).isNotNull();
            assertThat(e.cause().source()).as(where).isIn(SOURCES);
            assertThat(e.before() != null || e.after() != null).as(where).isTrue();
            EntityState present = e.after() != null ? e.after() : e.before();
            assertThat(present).as(where).isInstanceOf(e.entity().kind().stateType());
            assertThat(e.organizationId()).as(where).isEqualTo(organizationOf(present));
            assertThat(e.changedFields()).as(where).isNotEmpty().isSorted()
                    .doesNotContain("last_event_id", "last_event_at");

            String entity = e.entity().kindName() + ":" + (e.entity().id() != null ? e.entity().id()
                    : e.entity().groupId() + "/" + e.entity().userId());
            assertThat(withoutSyncMetadata(e.before())).as("before of " + where + " = previous after")
                    .isEqualTo(lastAfter.get(entity));
            lastAfter.put(entity, withoutSyncMetadata(e.after()));
        }
    }

    private static String organizationOf(EntityState state) {
        return switch (state) {
            case dev.dsync.client.Directory d -> d.organizationId();
            case dev.dsync.client.DirectoryUser u -> u.organizationId();
            case dev.dsync.client.DirectoryGroup g -> g.organizationId();
            case dev.dsync.client.GroupMembership m -> m.organizationId();
            case dev.dsync.client.UnknownEntityState u -> u.value().path("organization_id").asText(null);
        };
    }

    private static ObjectNode withoutSyncMetadata(EntityState state) {
        if (state == null) {
            return null;
        }
        ObjectNode node = DsyncJson.mapper().valueToTree(state);
        node.remove(List.of("last_event_id", "last_event_at"));
        return node;
    }

    /** Everything committed on the topic, in partition order (which is each directory's order). */
    private static List<ProvisioningEvent> readAll(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, ProvisioningEvent> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                DsyncSerdes.provisioningEvent().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(DsyncTopics.PROVISIONING).stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // under read_committed the end offsets are the last stable offsets: nothing beyond them is readable
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<ProvisioningEvent> out = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading " + DsyncTopics.PROVISIONING + " to its end").isLessThan(deadline);
                for (ConsumerRecord<String, ProvisioningEvent> r : consumer.poll(Duration.ofMillis(500))) {
                    assertThat(r.key()).isEqualTo(r.value().directoryId());
                    out.add(r.value());
                }
            }
            return out;
        }
    }

    private static Set<List<String>> snapshot(Connection db) throws SQLException {
        Set<List<String>> all = new TreeSet<>(java.util.Comparator.comparing(Object::toString));
        all.addAll(rows(db, "select 'account', accounts::text from accounts.accounts"));
        all.addAll(rows(db, "select 'grant', access_grants::text from accounts.access_grants"));
        all.addAll(rows(db, "select 'processed', processed_events::text from accounts.processed_events"));
        return all;
    }

    private static Set<List<String>> rows(Connection db, String query) throws SQLException {
        Set<List<String>> out = new TreeSet<>(java.util.Comparator.comparing(Object::toString));
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(query)) {
            int columns = r.getMetaData().getColumnCount();
            while (r.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(r.getString(i));
                }
                out.add(row);
            }
        }
        return out;
    }
}
