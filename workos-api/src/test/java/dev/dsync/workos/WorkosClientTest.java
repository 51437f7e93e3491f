package dev.dsync.workos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dsync.workos.fake.FakeWorkosApi;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against the fake WorkOS API over real HTTP. */
class WorkosClientTest {

    private static final String KEY = "sk_test_client_0123456789";
    private static final Map<String, String> EVENTS = Map.of("events", "dsync.user.created", "limit", "10");

    private final FakeWorkosApi fake = FakeWorkosApi.start(KEY);

    @AfterEach
    void stop() {
        fake.close();
    }

    private WorkosClient client(String key, double rps) {
        // shorter waits, which have no variable
        return new WorkosClient(new WorkosClient.Settings(key, fake.url(), rps, 4, Duration.ofSeconds(30),
                Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(60), Duration.ofSeconds(1)),
                new WorkosApiMetrics());
    }

    @Test
    void directoryUsersCallsByGroupCountAgainstTheirDirectorysLimit() throws Exception {
        fake.publish("dsync.activated", "{\"object\":\"directory\",\"id\":\"directory_limit\",\"organization_id\":"
                + "\"org_l\",\"type\":\"okta scim v2.0\",\"state\":\"active\",\"name\":\"L\",\"created_at\":"
                + "\"2026-01-01T00:00:00Z\",\"updated_at\":\"2026-01-01T00:00:00Z\"}", java.time.Instant.now());
        for (int g = 0; g < 5; g++) {
            fake.publish("dsync.group.created", "{\"object\":\"directory_group\",\"id\":\"group_l" + g + "\",\"idp_id\":"
                    + "\"g\",\"directory_id\":\"directory_limit\",\"organization_id\":\"org_l\",\"name\":\"G\","
                    + "\"created_at\":\"2026-01-01T00:00:00Z\",\"updated_at\":\"2026-01-01T00:00:00Z\"}",
                    java.time.Instant.now());
        }
        WorkosClient client = client(KEY, 1000);
        long started = System.nanoTime();
        for (int g = 0; g < 5; g++) {
            client.get("/directory_users", "/directory_users", java.util.Map.of("group", "group_l" + g),
                    Duration.ofSeconds(10), "directory_limit");
        }
        // five calls at 4 per second for one directory, whatever group each names: at least four waits of 250 ms
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void sendsTheKeyAsBearerTokenAndIdentifiesItself() throws Exception {
        WorkosClient.Response response = client(KEY, 20).get("/events", "/events", EVENTS, Duration.ofSeconds(5));

        assertThat(response.status()).isEqualTo(200);
        FakeWorkosApi.Request seen = fake.requests().getLast();
        assertThat(seen.authorization()).isEqualTo("Bearer " + KEY);
        assertThat(seen.userAgent()).matches("dsync/\\S+");
        assertThat(seen.query()).containsEntry("events", "dsync.user.created");
    }

    @Test
    void honoursRetryAfterSecondsAndCountsThe429s() throws Exception {
        fake.rateLimitNext(2, "1");
        WorkosClient client = client(KEY, 20);

        client.get("/events", "/events", EVENTS, Duration.ofSeconds(10));

        List<FakeWorkosApi.Request> requests = fake.requests();
        assertThat(requests).extracting(FakeWorkosApi.Request::status).containsExactly(429, 429, 200);
        assertThat(Duration.between(requests.get(0).at(), requests.get(1).at())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(Duration.between(requests.get(1).at(), requests.get(2).at())).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        assertThat(client.metrics().count("dsync.workos.api.rate.limited")).isEqualTo(2);
        assertThat(client.metrics().count("dsync.workos.api.requests", "status", "200")).isEqualTo(1);
    }

    @Test
    void readsRetryAfterAsSecondsOrHttpDateAndCapsIt() {
        Duration cap = Duration.ofSeconds(60);
        assertThat(WorkosClient.retryAfter("7", cap)).contains(Duration.ofSeconds(7));
        assertThat(WorkosClient.retryAfter("3600", cap)).contains(cap);
        String inTenSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().plusSeconds(10).atOffset(ZoneOffset.UTC));
        assertThat(WorkosClient.retryAfter(inTenSeconds, cap).orElseThrow()).isBetween(Duration.ofSeconds(8), Duration.ofSeconds(10));
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().minusSeconds(10).atOffset(ZoneOffset.UTC));
        assertThat(WorkosClient.retryAfter(past, cap)).contains(Duration.ZERO);
        assertThat(WorkosClient.retryAfter("soon", cap)).isEmpty();
    }

    @Test
    void backsOffWithJitterThroughA5xxSpell() throws Exception {
        fake.failNext(4, 503);
        fake.failNext(1, 500);
        WorkosClient client = client(KEY, 20);

        assertThat(client.get("/events", "/events", EVENTS, Duration.ofSeconds(10)).status()).isEqualTo(200);

        List<FakeWorkosApi.Request> requests = fake.requests();
        assertThat(requests).hasSize(6);
        for (int i = 1; i < requests.size(); i++) {
            // the first backoff is at least half of 50 ms, and each doubles up to 400 ms
            assertThat(Duration.between(requests.get(i - 1).at(), requests.get(i).at())).isGreaterThanOrEqualTo(Duration.ofMillis(20));
        }
        assertThat(client.status().degraded()).isFalse();
    }

    @Test
    void aRefusedKeyIsDegradedAndRetriedSlowlyThenRecovers() throws Exception {
        WorkosClient client = client("sk_test_wrong_key_987", 20);

        assertThatThrownBy(() -> client.get("/events", "/events", EVENTS, Duration.ofMillis(2500)))
                .isInstanceOf(WorkosUnavailableException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk_test_wrong_key_987"));

        assertThat(client.status().degraded()).isTrue();
        assertThat(client.status().reason()).isEqualTo("unauthorized");
        // one attempt, then one a second (authRetryInterval): no tight loop
        assertThat(fake.requests()).hasSizeBetween(2, 4);

        fake.apiKey("sk_test_wrong_key_987"); // the key is made valid on WorkOS's side
        assertThat(client.get("/events", "/events", EVENTS, Duration.ofSeconds(5)).status()).isEqualTo(200);
        assertThat(client.status().degraded()).isFalse();
    }

    @Test
    void aValidationErrorIsThrownAtOnceWithWorkosMessage() {
        WorkosClient client = client(KEY, 20);

        assertThatThrownBy(() -> client.get("/events", "/events", Map.of("limit", "10"), Duration.ofSeconds(5)))
                .isInstanceOfSatisfying(WorkosApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("Validation failed.").doesNotContain(KEY);
                    assertThat(e.requestId()).startsWith("req_");
                });
        assertThat(fake.requests()).hasSize(1);
    }

    @Test
    void sharesOneRequestBudgetAndLimitsDirectoryUsersPerDirectory() throws Exception {
        WorkosClient client = client(KEY, 10);
        long started = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            client.get("/events", "/events", EVENTS, Duration.ofSeconds(10));
        }
        // a burst of 10, then 10 more at 10 per second
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(900));

        WorkosClient users = client(KEY, 1000);
        long t0 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            // the fake has no /directory_users (404), which is enough to see when the requests go out
            assertThatThrownBy(() -> users.get("/directory_users", "/directory_users",
                    Map.of("directory", "directory_01A"), Duration.ofSeconds(10))).isInstanceOf(WorkosApiException.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(950));
        long t1 = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            String directory = "directory_other_" + i;
            assertThatThrownBy(() -> users.get("/directory_users", "/directory_users",
                    Map.of("directory", directory), Duration.ofSeconds(10))).isInstanceOf(WorkosApiException.class);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofMillis(900));
    }
}
