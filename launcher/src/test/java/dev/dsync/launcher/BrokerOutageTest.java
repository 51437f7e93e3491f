package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.events.EventParser;
import dev.dsync.events.signature.SignatureVerifier;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, first fault: the broker of a running {@code ./dsync up} stack is stopped while webhooks keep arriving,
 * and started again on the same port and data some seconds later. Real parts only: the in-process KRaft broker,
 * the gateway over HTTP, the topology with its query API, the Connect worker and PostgreSQL.
 *
 * <p>What must hold:
 * <ul>
 *   <li>while the broker is down the gateway answers 503 with {@code Retry-After}, never 200, and its readiness
 *       is DOWN; once the broker is back it answers 200 again and is ready, without a restart;</li>
 *   <li>every event whose request got 200 reaches the query API and PostgreSQL, by itself (the topology and
 *       the sinks recover without anyone restarting them);</li>
 *   <li>an event that provably never reached a broker (sent after the broker had stopped, refused well before it
 *       was started again) is in neither. A 503 is not a promise that nothing was stored: a request that times
 *       out at the gateway while its record is still queued in the producer, or whose write reached the broker
 *       just before it stopped, may still be stored. Those are WorkOS's retries to make and the topology's
 *       duplicates to drop; for them the test only requires that the query API and PostgreSQL agree.</li>
 * </ul>
 */
@Tag("integration")
class BrokerOutageTest {

    private static final int DIRECTORIES = 3;
    /** Webhooks per second, sent open-loop: a slow answer does not slow the sender, as with WorkOS. */
    private static final int RATE = 30;
    private static final Duration BEFORE = Duration.ofSeconds(5);
    /** Long enough that requests time out at the gateway (10 s) and that some wait in the producer until it is back. */
    private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("dsync.test.outage.seconds", 20));
    private static final Duration AFTER = Duration.ofSeconds(10);
    /**
     * A refusal this long before the broker was started again left no record behind in the gateway's producer: its
     * delivery timeout equals the gateway's ack timeout, so the record's batch had expired by the time of the 503,
     * and the producer's sender notices an expiry within its reconnect backoff (at most 1 s) while the broker is down.
     */
    private static final Duration EXPIRY_MARGIN = Duration.ofSeconds(3);
    /** Requests sent this long after the broker is back must all be accepted. */
    private static final Duration GATEWAY_RECOVERY = Duration.ofSeconds(5);
    /** An acknowledgement the broker sent just before it stopped may reach the HTTP client a little later. */
    private static final Duration ACK_IN_TRANSIT = Duration.ofSeconds(1);
    private static final Duration CONVERGENCE = Duration.ofSeconds(120);

    @TempDir
    Path dataDir;

    /** One webhook and what became of it; times in nanoseconds of {@link System#nanoTime()}. */
    record Delivery(int seq, String eventId, String directoryId, String userId, long sentAt, long answeredAt,
                    int status, String retryAfter) {
    }

    /** A health endpoint's answer at a time. */
    record Probe(long at, String what, int status) {
    }

    @Test
    void brokerOutageGives503NeverLosesAnAcknowledgedEventAndEverythingRecoversByItself() throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        String run = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        try (LocalStackAccess stack = LocalStackAccess.startIsolated(dataDir, Map.of(), out)) {
            EmbeddedKafka kafka = stack.embeddedKafka();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            URI webhooks = URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/webhooks/workos");
            String gatewayReady = "http://127.0.0.1:" + stack.gatewayPort() + "/health/ready";
            String topologyReady = "http://127.0.0.1:" + stack.queryPort() + "/health/ready";
            String query = "http://127.0.0.1:" + stack.queryPort() + "/v1/directories/";

            List<String> directories = new ArrayList<>();
            for (int d = 1; d <= DIRECTORIES; d++) {
                String directoryId = "directory_outage" + run + "_" + d;
                directories.add(directoryId);
                HttpResponse<String> activated = post(http, webhooks, stack.webhookSecret(), directoryActivated(run, directoryId));
                assertThat(activated.statusCode()).as("dsync.activated before the outage").isEqualTo(200);
            }

            // Health probes, every 250 ms, all along.
            ConcurrentLinkedQueue<Probe> probes = new ConcurrentLinkedQueue<>();
            AtomicBoolean probing = new AtomicBoolean(true);
            Thread prober = Thread.ofVirtual().name("probe").start(() -> {
                while (probing.get()) {
                    probes.add(new Probe(System.nanoTime(), "gateway", status(http, gatewayReady, null)));
                    probes.add(new Probe(System.nanoTime(), "topology", status(http, topologyReady, null)));
                    probes.add(new Probe(System.nanoTime(), "connect", connectRunning(http, stack.connectPort())));
                    sleep(250);
                }
            });

            // The sender: RATE distinct dsync.user.created per second, round-robin over the directories.
            ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
            AtomicBoolean sending = new AtomicBoolean(true);
            AtomicInteger outstanding = new AtomicInteger();
            CountDownLatch senderDone = new CountDownLatch(1);
            Thread sender = Thread.ofPlatform().name("sender").start(() -> {
                long next = System.nanoTime();
                int seq = 0;
                while (sending.get()) {
                    int n = seq++;
                    String directoryId = directories.get(n % DIRECTORIES);
                    String userId = "directory_user_outage" + run + "_" + n;
                    String eventId = "event_outage" + run + "_" + n;
                    byte[] body = userCreated(eventId, directoryId, userId, n);
                    outstanding.incrementAndGet();
                    Thread.ofVirtual().start(() -> {
                        long sentAt = System.nanoTime();
                        int status;
                        String retryAfter = null;
                        try {
                            HttpResponse<String> response = post(http, webhooks, stack.webhookSecret(), body);
                            status = response.statusCode();
                            retryAfter = response.headers().firstValue("Retry-After").orElse(null);
                        } catch (Exception e) {
                            status = -1; // no answer
                        }
                        deliveries.add(new Delivery(n, eventId, directoryId, userId, sentAt, System.nanoTime(), status,
                                retryAfter));
                        outstanding.decrementAndGet();
                    });
                    next += 1_000_000_000L / RATE;
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        sleep(wait / 1_000_000);
                    }
                }
                senderDone.countDown();
            });

            long t0 = System.nanoTime();
            Thread.sleep(BEFORE.toMillis());
            long stopBegin = System.nanoTime();
            kafka.stop();
            long stopEnd = System.nanoTime();
            Thread.sleep(OUTAGE.toMillis());
            long startBegin = System.nanoTime();
            kafka.start();
            long startEnd = System.nanoTime();
            // How long until the pipeline moves again: the first event accepted after the restart, seen end to end.
            long[] firstAfterRestart = new long[3]; // its 200, in the query API, in PostgreSQL
            Thread watcher = Thread.ofVirtual().name("recovery-watch").start(() -> {
                long deadline = startEnd + CONVERGENCE.toNanos();
                Delivery first = null;
                while (System.nanoTime() < deadline && (firstAfterRestart[1] == 0 || firstAfterRestart[2] == 0)) {
                    if (first == null) {
                        first = deliveries.stream().filter(d -> d.status() == 200 && d.answeredAt() > startBegin)
                                .min(java.util.Comparator.comparingLong(Delivery::answeredAt)).orElse(null);
                    }
                    if (first != null) {
                        firstAfterRestart[0] = first.answeredAt();
                        if (firstAfterRestart[1] == 0 && userStatus(http, query, stack.queryToken(), first) == 200) {
                            firstAfterRestart[1] = System.nanoTime();
                        }
                        try {
                            if (firstAfterRestart[2] == 0
                                    && databaseUsers(stack, List.of(first.directoryId())).contains(first.userId())) {
                                firstAfterRestart[2] = System.nanoTime();
                            }
                        } catch (Exception e) {
                            // PostgreSQL is not part of the fault; try again
                        }
                    }
                    sleep(100);
                }
            });
            Thread.sleep(AFTER.toMillis());
            sending.set(false);
            senderDone.await();
            long sendingEnded = System.nanoTime();
            Awaitility.await("every webhook answered").atMost(Duration.ofSeconds(45)).until(() -> outstanding.get() == 0);

            List<Delivery> all = deliveries.stream().sorted(java.util.Comparator.comparingInt(Delivery::seq)).toList();
            List<Delivery> acked = all.stream().filter(d -> d.status() == 200).toList();
            List<Delivery> refused = all.stream().filter(d -> d.status() != 200).toList();
            long refusedUnstoredBefore = startBegin - EXPIRY_MARGIN.toNanos();
            List<Delivery> neverStored = refused.stream()
                    .filter(d -> d.status() == 503 && d.sentAt() >= stopEnd && d.answeredAt() <= refusedUnstoredBefore)
                    .toList();
            List<Delivery> ambiguous = refused.stream().filter(d -> !neverStored.contains(d)).toList();

            System.out.printf("BrokerOutageTest: broker stop took %.1f s, start %.1f s; %d webhooks sent over %.1f s: "
                            + "%d accepted, %d refused (%s), of which %d provably never stored%n",
                    secs(stopEnd - stopBegin), secs(startEnd - startBegin), all.size(), secs(sendingEnded - t0),
                    acked.size(), refused.size(), all.stream().collect(Collectors.groupingBy(Delivery::status,
                            java.util.TreeMap::new, Collectors.counting())), neverStored.size());
            System.out.println("BrokerOutageTest: timeline (s from the first webhook): stop " + at(t0, stopBegin) + "-"
                    + at(t0, stopEnd) + ", start " + at(t0, startBegin) + "-" + at(t0, startEnd) + "; "
                    + outcomesOverTime(all, t0));

            // (a) The gateway never acknowledged anything while the broker was down; it refused with 503 and
            // Retry-After, and after the broker came back it accepted again without a restart.
            assertThat(all).as("every request answered 200 or 503").allSatisfy(d ->
                    assertThat(d.status()).isIn(200, 503));
            assertThat(acked).as("no 200 answered while the broker was stopped")
                    .noneMatch(d -> d.answeredAt() > stopEnd + ACK_IN_TRANSIT.toNanos() && d.answeredAt() < startBegin);
            assertThat(refused).as("503s during the outage").isNotEmpty()
                    .allSatisfy(d -> assertThat(d.retryAfter()).isEqualTo("5"));
            assertThat(neverStored).as("refusals that provably stored nothing").isNotEmpty();
            List<Delivery> afterRecovery = all.stream()
                    .filter(d -> d.sentAt() > startEnd + GATEWAY_RECOVERY.toNanos()).toList();
            assertThat(afterRecovery).as("requests sent %s after the broker was back", GATEWAY_RECOVERY).isNotEmpty()
                    .allSatisfy(d -> assertThat(d.status()).isEqualTo(200));
            assertThat(acked).as("accepted before the outage").anyMatch(d -> d.answeredAt() < stopBegin);

            // (c) Readiness followed the broker: DOWN during the outage, UP again after.
            List<Probe> probed = new ArrayList<>(probes);
            assertThat(probed).as("gateway not ready while the broker was stopped")
                    .anyMatch(p -> p.what().equals("gateway") && p.status() == 503 && p.at() > stopEnd && p.at() < startBegin);
            Awaitility.await("gateway ready again").atMost(Duration.ofSeconds(30))
                    .until(() -> status(http, gatewayReady, null) == 200);

            // (b) Every acknowledged event reaches the query API and PostgreSQL, with nobody restarting anything.
            long convergeFrom = System.nanoTime();
            Set<String> missingInQuery = concurrentSetOf(acked);
            Set<String> missingInDatabase = concurrentSetOf(acked);
            Map<String, Delivery> byUser = all.stream().collect(Collectors.toMap(Delivery::userId, d -> d));
            long[] queryDoneAt = {0};
            long[] databaseDoneAt = {0};
            try {
                Awaitility.await("every acknowledged event in the query API and PostgreSQL")
                        .atMost(CONVERGENCE).pollInterval(Duration.ofMillis(500)).until(() -> {
                            missingInQuery.removeIf(user -> userStatus(http, query, stack.queryToken(), byUser.get(user)) == 200);
                            if (missingInQuery.isEmpty() && queryDoneAt[0] == 0) {
                                queryDoneAt[0] = System.nanoTime();
                            }
                            missingInDatabase.removeAll(databaseUsers(stack, directories));
                            if (missingInDatabase.isEmpty() && databaseDoneAt[0] == 0) {
                                databaseDoneAt[0] = System.nanoTime();
                            }
                            return missingInQuery.isEmpty() && missingInDatabase.isEmpty();
                        });
            } finally {
                probing.set(false);
                prober.join();
                watcher.join();
                System.out.println("BrokerOutageTest: the first event accepted after the restart got its 200 at +"
                        + at(startEnd, firstAfterRestart[0]) + " s after the broker was back, was in the query API at +"
                        + (firstAfterRestart[1] == 0 ? "never" : at(startEnd, firstAfterRestart[1])) + " s and in PostgreSQL at +"
                        + (firstAfterRestart[2] == 0 ? "never" : at(startEnd, firstAfterRestart[2])) + " s");
                System.out.println("BrokerOutageTest: health (s from the first webhook): "
                        + healthTransitions(new ArrayList<>(probes), t0));
                System.out.printf("BrokerOutageTest: after the broker was back, all %d accepted events were in the "
                                + "query API at +%s s and in PostgreSQL at +%s s (missing: %d query API, %d PostgreSQL)%n",
                        acked.size(), queryDoneAt[0] == 0 ? "-" : at(startEnd, queryDoneAt[0]),
                        databaseDoneAt[0] == 0 ? "-" : at(startEnd, databaseDoneAt[0]), missingInQuery.size(),
                        missingInDatabase.size());
            }

            // The topology and the sinks are running again (they were never restarted).
            Awaitility.await("topology ready").atMost(Duration.ofSeconds(30))
                    .until(() -> status(http, topologyReady, null) == 200);
            Awaitility.await("all sink connectors and tasks RUNNING").atMost(Duration.ofSeconds(30))
                    .until(() -> connectRunning(http, stack.connectPort()) == 200);
            HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + stack.gatewayPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            System.out.println("BrokerOutageTest: gateway refusals by reason: " + metrics.body().lines()
                    .filter(l -> l.startsWith("dsync_gateway_requests_total") && l.contains("503"))
                    .collect(Collectors.joining("; ")));

            // Everything the topology holds has reached PostgreSQL, so presence can now be compared.
            Awaitility.await("query API and PostgreSQL agree on every refused event").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500)).until(() -> {
                        Set<String> inDatabase = databaseUsers(stack, directories);
                        return refused.stream().allMatch(d ->
                                (userStatus(http, query, stack.queryToken(), d) == 200) == inDatabase.contains(d.userId()));
                    });
            Set<String> inDatabase = databaseUsers(stack, directories);
            Map<String, Integer> inQuery = new LinkedHashMap<>();
            for (Delivery d : refused) {
                inQuery.put(d.userId(), userStatus(http, query, stack.queryToken(), d));
            }
            long ambiguousStored = ambiguous.stream().filter(d -> inDatabase.contains(d.userId())).count();
            System.out.printf("BrokerOutageTest: of %d refusals that may have been stored, %d were (WorkOS's retry of "
                    + "them is a duplicate the topology drops); %d provably unstored refusals, none stored; rows for the test's directories: %d%n",
                    ambiguous.size(), ambiguousStored, neverStored.size(), inDatabase.size());

            // The gateway never acknowledged an event it did not store, and what it refused before the broker
            // came back (and so provably never wrote) is nowhere.
            assertThat(neverStored).as("provably unstored events are absent from the query API")
                    .allSatisfy(d -> assertThat(inQuery.get(d.userId())).as(d.userId()).isEqualTo(404));
            assertThat(neverStored).as("provably unstored events are absent from PostgreSQL")
                    .noneMatch(d -> inDatabase.contains(d.userId()));
            // Nothing but the sent events is there: rows = accepted + refused-but-stored.
            assertThat(inDatabase).hasSize(acked.size() + (int) ambiguousStored);
            System.out.printf("BrokerOutageTest: converged %.1f s after the check began%n", secs(System.nanoTime() - convergeFrom));
        }
    }

    private static Set<String> concurrentSetOf(List<Delivery> deliveries) {
        Set<String> set = java.util.concurrent.ConcurrentHashMap.newKeySet();
        deliveries.forEach(d -> set.add(d.userId()));
        return set;
    }

    private static HttpResponse<String> post(HttpClient http, URI endpoint, String secret, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("WorkOS-Signature", SignatureVerifier.header(secret, System.currentTimeMillis(), body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status of a GET, or -1 when there is no answer. */
    private static int status(HttpClient http, String url, String token) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private static int userStatus(HttpClient http, String query, String token, Delivery d) {
        return status(http, query + d.directoryId() + "/users/" + d.userId(), token);
    }

    /** 200 when every dsync sink connector and its tasks are RUNNING, 503 otherwise, -1 without an answer. */
    private static int connectRunning(HttpClient http, int port) {
        try {
            for (String name : dev.dsync.embedded.ConnectWorker.dsyncConnectorNames()) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/connectors/" + name + "/status"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    return 503;
                }
                var status = EventParser.MAPPER.readTree(response.body());
                if (!status.path("connector").path("state").asText().equals("RUNNING") || status.path("tasks").isEmpty()) {
                    return 503;
                }
                for (var task : status.path("tasks")) {
                    if (!task.path("state").asText().equals("RUNNING")) {
                        return 503;
                    }
                }
            }
            return 200;
        } catch (Exception e) {
            return -1;
        }
    }

    private static Set<String> databaseUsers(LocalStackAccess stack, List<String> directories) throws Exception {
        Set<String> ids = new HashSet<>();
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "dsync", "dsync");
             PreparedStatement q = db.prepareStatement("select id from directory_users where directory_id = any(?)")) {
            q.setArray(1, db.createArrayOf("text", directories.toArray(String[]::new)));
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getString(1));
                }
            }
        }
        return ids;
    }

    private static byte[] directoryActivated(String run, String directoryId) {
        String now = Instant.now().toString();
        ObjectNode data = EventParser.MAPPER.createObjectNode().put("object", "directory").put("id", directoryId)
                .put("organization_id", organization(directoryId)).put("type", "okta scim v2.0").put("state", "active")
                .put("name", "Outage Corp " + directoryId.substring(directoryId.length() - 1)).put("created_at", now)
                .put("updated_at", now);
        return event("event_outage" + run + "_activated_" + directoryId, "dsync.activated", data, now);
    }

    private static byte[] userCreated(String eventId, String directoryId, String userId, int n) {
        String[] first = {"Zoë", "Łukasz", "Søren", "Chloé", "Nguyễn"};
        String[] last = {"Müller", "Jørgensen", "Åkesson", "O'Brien", "Yılmaz"};
        String now = Instant.now().toString();
        String f = first[n % first.length];
        String l = last[(n / first.length) % last.length];
        ObjectNode user = EventParser.MAPPER.createObjectNode().put("object", "directory_user").put("id", userId)
                .put("directory_id", directoryId).put("organization_id", organization(directoryId)).put("idp_id", "idp" + n)
                .put("email", "user" + n + "@outage.example").put("first_name", f).put("last_name", l)
                .put("name", f + " " + l).put("state", "active");
        user.putObject("raw_attributes");
        user.putObject("custom_attributes").put("department_name", "R&D").put("employee_number", "E-" + n);
        user.putObject("role").put("slug", "member");
        user.putArray("roles").addObject().put("slug", "member");
        user.put("created_at", now).put("updated_at", now);
        return event(eventId, "dsync.user.created", user, now);
    }

    private static String organization(String directoryId) {
        return "org_" + directoryId.substring("directory_".length());
    }

    private static byte[] event(String id, String type, ObjectNode data, String createdAt) {
        ObjectNode event = EventParser.MAPPER.createObjectNode().put("object", "event").put("id", id).put("event", type);
        event.set("data", data);
        event.put("created_at", createdAt);
        event.putObject("context");
        return event.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Outcomes per second of sending: "12:200x30 13:200x12/503x18 ...", only where they change. */
    private static String outcomesOverTime(List<Delivery> all, long t0) {
        Map<Long, Map<Integer, Long>> perSecond = all.stream().collect(Collectors.groupingBy(
                d -> (d.sentAt() - t0) / 1_000_000_000L, java.util.TreeMap::new,
                Collectors.groupingBy(Delivery::status, java.util.TreeMap::new, Collectors.counting())));
        StringBuilder sb = new StringBuilder("sent at second -> statuses:");
        perSecond.forEach((second, counts) -> sb.append(' ').append(second).append(':').append(counts.entrySet().stream()
                .map(e -> e.getKey() + "x" + e.getValue()).collect(Collectors.joining("/"))));
        return sb.toString();
    }

    private static String healthTransitions(List<Probe> probes, long t0) {
        Map<String, Integer> last = new LinkedHashMap<>();
        StringBuilder sb = new StringBuilder();
        for (Probe p : probes) {
            Integer before = last.put(p.what(), p.status());
            if (before == null || before != p.status()) {
                sb.append(' ').append(p.what()).append('=').append(p.status()).append('@').append(at(t0, p.at()));
            }
        }
        return sb.toString().trim();
    }

    private static String at(long t0, long t) {
        return String.format(java.util.Locale.ROOT, "%.1f", (t - t0) / 1e9);
    }

    private static double secs(long nanos) {
        return nanos / 1e9;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(Math.max(0, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
