package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.Topics;
import dev.dsync.topology.processing.ParseEventProcessor;
import dev.dsync.topology.state.StateKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import dev.dsync.workos.reconcile.Drift;
import dev.dsync.workos.reconcile.RepairEvents;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every record the real topology writes matches the published AsyncAPI document: driven with the WorkOS reference
 * samples, with generated realistic histories delivered out of order with duplicates (under both inactive-user
 * policies), and with one input for every dead-letter reason the document lists. The inputs themselves match the
 * document's input topic too. Which message each record must match is read from the document, not written here.
 */
class SchemaConformanceTest {

    /** The WorkOS reference events, in an order that creates, changes and deletes each kind of entity. */
    static final List<String> SAMPLES = List.of("dsync.activated", "dsync.group.created", "dsync.user.created",
            "dsync.group.user_added", "dsync.user.updated", "dsync.group.updated", "dsync.group.user_removed",
            "dsync.user.deleted", "dsync.group.deleted", "dsync.deleted");
    static final int HISTORIES = 40;
    /** Every topic the topology writes. */
    static final List<String> OUTPUTS = List.of(Topics.DIRECTORIES, Topics.USERS, Topics.GROUPS, Topics.MEMBERSHIPS,
            Topics.DEAD_LETTERS, Topics.PROVISIONING);

    @TempDir
    Path dir;

    private final AsyncApiContract contract = AsyncApiContract.load();
    private final Random random = new Random(0x5C4E3A);

    static String sample(String type) {
        return new String(AsyncApiContract.resource("samples/" + type + ".json"), StandardCharsets.UTF_8);
    }

    static String directoryId(String event) {
        try {
            return EventParser.parse(event.getBytes(StandardCharsets.UTF_8)).directoryId().orElseThrow();
        } catch (EventParser.InvalidEventException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The headers the gateway sets on a webhook it accepted (WebhookService). */
    static Headers gatewayHeaders(String event) {
        JsonNode e = json(event);
        long now = TestEvents.BASE.toEpochMilli();
        return new RecordHeaders()
                .add("workos-event-id", utf8(e.path("id").asText()))
                .add("workos-event-type", utf8(e.path("event").asText()))
                .add("workos-signature-timestamp", utf8(Long.toString(now - 1500)))
                .add("dsync-received-at", utf8(Long.toString(now - 1000)))
                .add("dsync-source", utf8("webhook"));
    }

    @Test
    void theReferenceSamplesAreValidInputEvents() {
        for (String type : new TreeSet<>(SAMPLES)) {
            String event = sample(type);
            var verdict = contract.judge(Topics.EVENTS, utf8(directoryId(event)), utf8(event), gatewayHeaders(event));
            assertThat(verdict.message()).as(type + ": " + verdict).isEqualTo("dsyncEvent");
        }
        // and the input schema can refuse: an event without its directory id, or without headers, is not one
        ObjectNode noDirectory = (ObjectNode) json(sample("dsync.user.created"));
        ((ObjectNode) noDirectory.get("data")).remove("directory_id");
        assertThat(contract.judge(Topics.EVENTS, utf8("directory_x"), utf8(noDirectory.toString()),
                gatewayHeaders(noDirectory.toString())).valid()).isFalse();
        String user = sample("dsync.user.created");
        assertThat(contract.judge(Topics.EVENTS, utf8(directoryId(user)), utf8(user), new RecordHeaders()).valid())
                .isFalse();
    }

    @Test
    void everyRecordTheTopologyWritesMatchesTheDocument() {
        List<String> failures = new ArrayList<>();
        Map<String, Integer> matched = new TreeMap<>();
        Set<String> reasons = new TreeSet<>();
        Set<String> types = new TreeSet<>();
        Set<String> sources = new TreeSet<>();
        for (InactiveUserPolicy policy : InactiveUserPolicy.values()) {
            try (Harness h = new Harness(dir.resolve(policy.name()), policy)) {
                TestInputTopic<String, byte[]> input = h.driver.createInputTopic(Topics.EVENTS,
                        new StringSerializer(), new ByteArraySerializer());
                List<TestRecord<String, byte[]>> sent = new ArrayList<>();
                for (String type : SAMPLES) {
                    String event = sample(type);
                    sent.add(webhook(directoryId(event), event));
                }
                for (int i = 0; i < HISTORIES; i++) {
                    String ns = policy.name().toLowerCase() + i + "-";
                    List<String> history = new OrderIndependencePropertyTest.HistoryGenerator(random).generate();
                    List<String> delivery = new ArrayList<>(history);
                    for (String e : history) {
                        if (random.nextInt(6) == 0) {
                            delivery.add(e);
                        }
                    }
                    Collections.shuffle(delivery, random);
                    for (String e : delivery) {
                        String event = e.replace(OrderIndependencePropertyTest.NS, ns);
                        sent.add(webhook(directoryId(event), event));
                    }
                }
                for (TestRecord<String, byte[]> r : sent) {
                    // what the gateway wrote is itself a valid input record
                    var verdict = contract.judge(Topics.EVENTS, bytes(r.key()), r.value(), r.headers());
                    if (!verdict.valid()) {
                        failures.add("input " + r.key() + ": " + verdict);
                    }
                }
                List<TestRecord<String, byte[]>> poison = poison();
                sent.addAll(poison);
                sent.forEach(input::pipeInput);

                for (String topic : OUTPUTS) {
                    for (Harness.Out o : h.all(topic)) {
                        var verdict = contract.judge(topic, bytes(o.key()), bytes(o.value()), o.headers());
                        if (verdict.valid()) {
                            matched.merge(topic + " " + verdict.message(), 1, Integer::sum);
                        } else {
                            failures.add(o + ": " + verdict);
                        }
                    }
                }
                for (Harness.Out o : h.all(Topics.PROVISIONING)) {
                    JsonNode p = json(o.value());
                    types.add(p.path("type").asText());
                    sources.add(p.path("cause").path("source").asText());
                    // sorted, as documented; a schema cannot say so
                    List<String> fields = new ArrayList<>();
                    p.path("changed_fields").forEach(f -> fields.add(f.asText()));
                    assertThat(fields).as(o.value()).isSorted();
                }
                for (Harness.Out o : h.all(Topics.MEMBERSHIPS)) {
                    // the schema says which fields; compaction needs the exact bytes too
                    JsonNode k = json(o.key());
                    assertThat(o.key()).isEqualTo("{\"group_id\":" + k.get("group_id").toString()
                            + ",\"user_id\":" + k.get("user_id").toString() + "}");
                }
                List<Harness.Out> dead = h.all(Topics.DEAD_LETTERS);
                for (Harness.Out o : dead) {
                    reasons.add(header(o.headers(), ParseEventProcessor.REASON_HEADER));
                    String id = header(o.headers(), "workos-event-id");
                    if (id == null || !id.startsWith("poison-")) {
                        // the generator's only unusable events are those with an unreadable event time
                        assertThat(header(o.headers(), ParseEventProcessor.REASON_HEADER))
                                .isIn("missing_created_at", "invalid_created_at");
                    }
                }
                assertThat(dead.stream().filter(o -> String.valueOf(header(o.headers(), "workos-event-id"))
                        .startsWith("poison-"))).as("one dead letter per poison input").hasSize(poison.size());
                for (int i = 0; i < poison.size(); i++) {
                    TestRecord<String, byte[]> in = poison.get(i);
                    Harness.Out out = dead.stream().filter(d -> header(d.headers(), "workos-event-id") != null
                            && header(d.headers(), "workos-event-id").equals(header(in.headers(), "workos-event-id")))
                            .findFirst().orElseThrow();
                    String truncated = header(out.headers(), ParseEventProcessor.TRUNCATED_HEADER);
                    byte[] expected = truncated == null ? in.value()
                            : java.util.Arrays.copyOf(in.value(), ParseEventProcessor.TRUNCATED_VALUE_BYTES);
                    assertThat(bytes(out.value())).as("dead letter %d keeps the input value", i).isEqualTo(expected);
                    assertThat(out.key()).isEqualTo(in.key());
                }
            }
        }
        assertThat(failures).isEmpty();
        // the run exercised every message of every topic the topology writes, so none of them went unchecked
        Set<String> declared = new TreeSet<>();
        for (String topic : OUTPUTS) {
            contract.messages(topic).keySet().forEach(m -> declared.add(topic + " " + m));
        }
        assertThat(matched.keySet()).isEqualTo(declared);
        // every reason the document lists was produced, and none it does not list (that would have failed above)
        Set<String> listed = new TreeSet<>();
        json(new String(AsyncApiContract.resource(AsyncApiContract.BASE + "schemas/dead-letter-headers.json"),
                StandardCharsets.UTF_8)).at("/properties/dsync.dlq.reason/enum").forEach(n -> listed.add(n.asText()));
        assertThat(reasons).isEqualTo(listed);
        // likewise every provisioning type, and both kinds of cause these inputs can have
        Set<String> documentedTypes = new TreeSet<>();
        json(new String(AsyncApiContract.resource(AsyncApiContract.BASE + "schemas/provisioning.json"),
                StandardCharsets.UTF_8)).at("/properties/type/enum").forEach(n -> documentedTypes.add(n.asText()));
        assertThat(types).isEqualTo(documentedTypes);
        assertThat(sources).containsExactlyInAnyOrder("webhook", "cascade");
    }

    @Test
    void theSchemasRefuseWhatTheFormatForbids() {
        // the conformance check above is only as strong as the schemas: real records, each broken one way, fail
        try (Harness h = new Harness(dir.resolve("refuse"), InactiveUserPolicy.RETAIN)) {
            for (String type : SAMPLES) {
                h.pipe(sample(type));
            }
            Harness.Out user = h.all(Topics.USERS).getFirst();
            assertThat(contract.judge(Topics.USERS, bytes(user.key()), bytes(user.value()), null).valid()).isTrue();
            ObjectNode value = (ObjectNode) json(user.value());
            assertThat(refused(Topics.USERS, user.key(), value.deepCopy().without("email"))).isTrue();
            assertThat(refused(Topics.USERS, user.key(), value.deepCopy().put("extra", 1))).isTrue();
            assertThat(refused(Topics.USERS, user.key(),
                    value.deepCopy().put("last_event_at", "2026-05-18 14:00:00.000"))).isTrue();
            assertThat(refused(Topics.USERS, user.key(), value.deepCopy().put("roles", "admin"))).isTrue();

            Harness.Out membership = h.all(Topics.MEMBERSHIPS).getFirst();
            assertThat(refused(Topics.MEMBERSHIPS, "{\"user_id\":\"u\"}", json(membership.value()))).isTrue();

            Harness.Out removal = h.all(Topics.PROVISIONING).stream()
                    .filter(o -> json(o.value()).path("after").isNull()).findFirst().orElseThrow();
            ObjectNode p = (ObjectNode) json(removal.value());
            assertThat(refused(Topics.PROVISIONING, removal.key(), p)).isFalse();
            assertThat(refused(Topics.PROVISIONING, removal.key(), p.deepCopy().put("type", "user.provisioned")))
                    .isTrue();
            assertThat(refused(Topics.PROVISIONING, removal.key(), p.deepCopy().put("id", "prov_1"))).isTrue();
            ObjectNode wrongKind = p.deepCopy();
            ((ObjectNode) wrongKind.get("entity")).put("kind", "directory").remove(List.of("group_id", "user_id"));
            ((ObjectNode) wrongKind.get("entity")).put("id", "directory_x");
            wrongKind.set("before", json(user.value()));
            assertThat(refused(Topics.PROVISIONING, removal.key(), wrongKind)).isTrue();
        }
    }

    @Test
    void reconciliationRecordsMatchTheDocumentAndItRefusesWhatTheyCannotBe() {
        Instant started = TestEvents.BASE;
        String id = ReconciliationRecords.newId(started, random);
        String d = "directory_01RECONCILED";
        // a busy result (every kind and direction, more users missing than the examples keep), a clean one, and the
        // result for a directory WorkOS no longer lists and the mirror holds no row of (organization_id null)
        ObjectNode busy = ReconciliationRecords.record(id, d, "org_01RECONCILED", "request", started,
                started.plusMillis(2503), ReconciliationRecords.busyDrift(""), 131);
        ObjectNode clean = ReconciliationRecords.record(id, d, "org_01RECONCILED", "schedule", started,
                started.plusSeconds(1), new Drift(), 0);
        Drift gone = new Drift();
        gone.add(Drift.Kind.DIRECTORIES, Drift.Direction.EXTRA, "directory_gone");
        gone.add(Drift.Kind.USERS, Drift.Direction.EXTRA, "directory_user_gone");
        ObjectNode unlisted = ReconciliationRecords.record(id, "directory_gone", null, "gap", started,
                started.plusSeconds(1), gone, 1);
        for (String trigger : List.of("bootstrap", "schedule", "request", "gap")) {
            ObjectNode r = clean.deepCopy().put("trigger", trigger);
            assertThat(judgeReconciliation(d, r).message()).as(trigger).isEqualTo("reconciliation");
        }
        assertThat(judgeReconciliation(d, busy).message()).as(busy.toString()).isEqualTo("reconciliation");
        assertThat(judgeReconciliation("directory_gone", unlisted).message()).isEqualTo("reconciliation");
        // what the schema cannot say, Drift does: the counts are complete, the examples capped, the total their sum
        assertThat(busy.at("/drift/users/missing").asLong()).isEqualTo(Drift.EXAMPLES + 20);
        assertThat(busy.at("/drift/users/examples/missing")).hasSize(Drift.EXAMPLES);
        long sum = 0;
        for (String kind : List.of("directories", "users", "groups", "memberships")) {
            for (String direction : List.of("missing", "extra", "different")) {
                sum += busy.path("drift").path(kind).path(direction).asLong();
            }
        }
        assertThat(busy.path("drift_total").asLong()).isEqualTo(sum);

        // and the schema refuses what such a record cannot be
        assertThat(judgeReconciliation(d, busy.deepCopy().put("trigger", "manual")).valid()).isFalse();
        assertThat(judgeReconciliation(d, busy.deepCopy().put("status", "failed")).valid()).isFalse();
        assertThat(judgeReconciliation(d, busy.deepCopy().put("reconciliation_id", "rec_1")).valid()).isFalse();
        assertThat(judgeReconciliation(d, busy.deepCopy().put("started_at", "yesterday")).valid()).isFalse();
        assertThat(judgeReconciliation(d, busy.deepCopy().put("drift_total", -1)).valid()).isFalse();
        assertThat(judgeReconciliation(d, (ObjectNode) busy.deepCopy().without("repaired")).valid()).isFalse();
        ObjectNode noKind = busy.deepCopy();
        ((ObjectNode) noKind.get("drift")).remove("groups");
        assertThat(judgeReconciliation(d, noKind).valid()).isFalse();
        ObjectNode tooMany = busy.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) tooMany.at("/drift/users/examples/missing"))
                .add("directory_user_one_too_many");
        assertThat(judgeReconciliation(d, tooMany).valid()).isFalse();
        ObjectNode notAMembership = busy.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) notAMembership.at("/drift/memberships/examples/extra"))
                .add("directory_user_x");
        assertThat(judgeReconciliation(d, notAMembership).valid()).isFalse();
    }

    @Test
    void repairEventsAreValidInputAndEverythingTheTopologyMakesOfThemMatchesTheDocument() {
        // RepairEvents is what reconciliation writes to the input topic; fed to the real topology, every record it
        // writes (and every repair itself) must match the document like a webhook's would
        String d = "directory_01REPAIRED";
        String org = "org_01REPAIRED";
        Instant t = TestEvents.BASE.minusSeconds(3600);
        // a bootstrap creates; a later run updates and removes (one run repairs an entity once: its event id is a
        // hash of the run, the type and the entity, so a second repair of the same kind in the same run is a duplicate)
        RepairEvents repairs = new RepairEvents(Topics.EVENTS, ReconciliationRecords.newId(t, random));
        RepairEvents later = new RepairEvents(Topics.EVENTS, ReconciliationRecords.newId(t.plusSeconds(60), random));
        ObjectNode restDirectory = (ObjectNode) json("{\"object\":\"directory\",\"id\":\"" + d + "\","
                + "\"organization_id\":\"" + org + "\",\"type\":\"okta scim v2.0\",\"state\":\"linked\","
                + "\"name\":\"Acme\",\"domain\":\"acme.example\",\"created_at\":\"2026-01-01T00:00:00.000Z\","
                + "\"updated_at\":\"2026-01-02T00:00:00.000Z\"}");
        ObjectNode restGroup = (ObjectNode) json("{\"object\":\"directory_group\",\"id\":\"directory_group_01R\","
                + "\"idp_id\":\"g1\",\"directory_id\":\"" + d + "\",\"organization_id\":\"" + org + "\","
                + "\"name\":\"Engineering\",\"raw_attributes\":{},\"created_at\":\"2026-01-01T00:00:00.000Z\","
                + "\"updated_at\":\"2026-01-02T00:00:00.000Z\"}");
        ObjectNode restUser = (ObjectNode) json(sample("dsync.user.created")).get("data").deepCopy();
        restUser.put("id", "directory_user_01R").put("directory_id", d).put("organization_id", org)
                .put("updated_at", "2026-01-02T00:00:00.000Z");
        restUser.putArray("groups").add(restGroup.deepCopy());
        ObjectNode otherUser = restUser.deepCopy().put("id", "directory_user_01S").put("email", "s@acme.example");

        List<ProducerRecord<String, byte[]>> sent = List.of(
                repairs.directory(restDirectory, null, t),
                repairs.group(d, restGroup, true, t),
                repairs.user(d, restUser, true, t),
                repairs.user(d, otherUser, true, t),
                repairs.membershipAdded(d, restUser, restGroup, t),
                repairs.membershipAdded(d, otherUser, restGroup, t),
                later.user(d, restUser.deepCopy().put("first_name", "Renamed")
                        .put("updated_at", "2026-01-03T00:00:00.000Z"), false, t.plusSeconds(60)),
                later.group(d, restGroup.deepCopy().put("name", "Eng").put("updated_at", "2026-01-03T00:00:00.000Z"),
                        false, t.plusSeconds(60)),
                later.directory(restDirectory.deepCopy().put("name", "Acme Inc").put("state", "unlinked")
                        .put("updated_at", "2026-01-03T00:00:00.000Z"), json("{\"domains\":[\"acme.example\"]}"),
                        t.plusSeconds(60)),
                later.membershipRemoved(d, "directory_group_01R", "directory_user_01R", org, t.plusSeconds(120)),
                later.userDeleted(d, "directory_user_01R", org, t.plusSeconds(120)),
                later.groupDeleted(d, "directory_group_01R", org, t.plusSeconds(180)),
                later.directoryDeleted(d, json("{\"organization_id\":\"" + org + "\"}"), t.plusSeconds(240)));
        List<String> failures = new ArrayList<>();
        Set<String> sources = new TreeSet<>();
        Set<String> types = new TreeSet<>();
        try (Harness h = new Harness(dir.resolve("repairs"), InactiveUserPolicy.RETAIN)) {
            TestInputTopic<String, byte[]> input = h.driver.createInputTopic(Topics.EVENTS, new StringSerializer(),
                    new ByteArraySerializer());
            for (ProducerRecord<String, byte[]> r : sent) {
                assertThat(r.topic()).isEqualTo(Topics.EVENTS);
                assertThat(r.key()).isEqualTo(d);
                var verdict = contract.judge(Topics.EVENTS, bytes(r.key()), r.value(), r.headers());
                if (!"dsyncEvent".equals(verdict.message())) {
                    failures.add("repair " + new String(r.value(), StandardCharsets.UTF_8) + ": " + verdict);
                }
                assertThat(header(r.headers(), "dsync-source")).isEqualTo("reconciliation");
                input.pipeInput(new TestRecord<>(r.key(), r.value(), r.headers(), Harness.RECEIVED_AT));
            }
            for (String topic : OUTPUTS) {
                for (Harness.Out o : h.all(topic)) {
                    var verdict = contract.judge(topic, bytes(o.key()), bytes(o.value()), o.headers());
                    if (!verdict.valid()) {
                        failures.add(o + ": " + verdict);
                    }
                }
            }
            for (Harness.Out o : h.all(Topics.PROVISIONING)) {
                JsonNode p = json(o.value());
                types.add(p.path("type").asText());
                sources.add(p.path("cause").path("source").asText());
            }
            assertThat(h.all(Topics.DEAD_LETTERS)).isEmpty();
            // REST's linked/unlinked became the events' active/inactive on the way
            assertThat(h.all(Topics.DIRECTORIES).stream().filter(o -> o.value() != null)
                    .map(o -> json(o.value()).path("state").asText()).toList())
                    .containsExactly("active", "inactive");
        }
        assertThat(failures).isEmpty();
        assertThat(sources).contains("reconciliation");
        assertThat(types).contains("directory.activated", "user.provisioned", "membership.granted", "user.updated",
                "group.updated", "directory.updated", "membership.revoked", "user.deprovisioned", "group.deleted",
                "directory.deleted");
    }

    private AsyncApiContract.Verdict judgeReconciliation(String key, ObjectNode value) {
        return contract.judge(Topics.RECONCILIATIONS, utf8(key), utf8(value.toString()), null);
    }

    private boolean refused(String topic, String key, JsonNode value) {
        return !contract.judge(topic, bytes(key), utf8(value.toString()), null).valid();
    }

    /** One input for each dead-letter reason, each marked with its own event id header so its letter is found. */
    private List<TestRecord<String, byte[]>> poison() {
        String d = "directory_poison";
        Map<String, String> cases = new LinkedHashMap<>();
        ObjectNode user = TestEvents.userData(d, "directory_user_poison", "active", "Poison", TestEvents.at(5));
        String good = TestEvents.envelope("event_poison_ok", "dsync.user.created", TestEvents.at(5), user);
        cases.put("empty_value", "");
        cases.put("malformed_json", "{\"id\":");
        cases.put("trailing_content", "{} {}");
        cases.put("not_an_object", "[1,2]");
        cases.put("missing_id", "{\"event\":\"dsync.user.created\",\"data\":{}}");
        cases.put("missing_event", "{\"id\":\"event_p1\",\"data\":{}}");
        cases.put("missing_data", "{\"id\":\"event_p2\",\"event\":\"dsync.user.created\"}");
        cases.put("missing_directory_id", withData(good, "directory_id", null));
        cases.put("invalid_directory_id", withData(good, "directory_id", d + StateKeys.SEP));
        cases.put("missing_key", good);
        cases.put("key_mismatch", good);
        cases.put("invalid_event_id", with(good, "id", "event" + StateKeys.SEP + "p"));
        cases.put("missing_created_at", with(good, "created_at", null));
        cases.put("invalid_created_at", with(good, "created_at", "not a time"));
        cases.put("missing_user_id", withData(good, "id", null));
        cases.put("missing_group_id", TestEvents.envelope("event_p3", "dsync.group.created", TestEvents.at(5),
                (ObjectNode) TestEvents.groupData(d, "x", "G", TestEvents.at(5)).without("id")));
        // a change-log value larger than the topology may write; its dead letter is then too large to keep whole
        ObjectNode huge = user.deepCopy();
        ((ObjectNode) huge.get("custom_attributes")).put("blob", "x".repeat(5 * 1024 * 1024));
        cases.put("value_too_large", TestEvents.envelope("event_p4", "dsync.user.created", TestEvents.at(5), huge));

        List<TestRecord<String, byte[]>> out = new ArrayList<>();
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String key = switch (c.getKey()) {
                case "missing_key" -> null;
                case "key_mismatch" -> "directory_elsewhere";
                case "invalid_directory_id" -> d + StateKeys.SEP;
                default -> d;
            };
            Headers headers = new RecordHeaders()
                    .add("workos-event-id", utf8("poison-" + c.getKey()))
                    .add("dsync-received-at", utf8(Long.toString(TestEvents.BASE.toEpochMilli())));
            out.add(new TestRecord<>(key, utf8(c.getValue()), headers, Harness.RECEIVED_AT));
        }
        return out;
    }

    private static TestRecord<String, byte[]> webhook(String key, String event) {
        return new TestRecord<>(key, utf8(event), gatewayHeaders(event), Harness.RECEIVED_AT);
    }

    private static String with(String event, String field, String value) {
        ObjectNode e = (ObjectNode) json(event);
        if (value == null) {
            e.remove(field);
        } else {
            e.put(field, value);
        }
        return e.toString();
    }

    private static String withData(String event, String field, String value) {
        ObjectNode e = (ObjectNode) json(event);
        ObjectNode data = (ObjectNode) e.get("data");
        if (value == null) {
            data.remove(field);
        } else {
            data.put(field, value);
        }
        return e.toString();
    }

    private static String header(Headers headers, String name) {
        var h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static JsonNode json(String s) {
        try {
            return AsyncApiContract.JSON.readTree(s);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(String s) {
        return s == null ? null : utf8(s);
    }
}
