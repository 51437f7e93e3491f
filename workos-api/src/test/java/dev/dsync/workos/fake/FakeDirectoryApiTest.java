package dev.dsync.workos.fake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake's Directory Sync world and list endpoints, over real HTTP. */
class FakeDirectoryApiTest {

    private static final String KEY = "sk_test_world_0123456789";
    private static final String DIR = "directory_01W0RLD";
    private static final String ORG = "org_01W0RLD";
    /** Within the Events API's retention, so published events are also served by {@code /events}. */
    private static final Instant T0 = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).minus(Duration.ofDays(1));

    private final FakeWorkosApi fake = FakeWorkosApi.start(KEY);
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        fake.close();
    }

    // ---- fixtures ----

    static String directory(String id, String org, String state, Instant at) {
        return """
                {"object":"directory","id":"%s","organization_id":"%s","type":"okta scim v2.0","state":"%s",
                 "name":"Société Générale","external_key":"ext_%s",
                 "domains":[{"object":"organization_domain","id":"org_domain_1","domain":"societe.example"},
                            {"object":"organization_domain","id":"org_domain_2","domain":"sg.example"}],
                 "created_at":"%s","updated_at":"%s"}""".formatted(id, org, state, id, at, at);
    }

    static String user(String id, String directory, Instant createdAt, String lastName) {
        return """
                {"object":"directory_user","id":"%s","directory_id":"%s","organization_id":"%s","idp_id":"idp_%s",
                 "email":"%s@example.com","first_name":"Zoë","last_name":"%s","name":"Zoë %s","state":"active",
                 "raw_attributes":{},"custom_attributes":{"department_name":"R&D"},"role":{"slug":"member"},
                 "roles":[{"slug":"member"}],"created_at":"%s","updated_at":"%s"}"""
                .formatted(id, directory, ORG, id, id, lastName, lastName, createdAt, createdAt);
    }

    static String group(String id, String directory, Instant createdAt) {
        return """
                {"object":"directory_group","id":"%s","idp_id":"g_%s","directory_id":"%s","organization_id":"%s",
                 "name":"Ingeniería %s","raw_attributes":{},"created_at":"%s","updated_at":"%s"}"""
                .formatted(id, id, directory, ORG, id, createdAt, createdAt);
    }

    static String membership(String groupJson, String userJson, String directory) {
        return "{\"directory_id\":\"" + directory + "\",\"user\":" + userJson + ",\"group\":" + groupJson + "}";
    }

    private HttpResponse<String> get(String pathAndQuery) throws Exception {
        return get(pathAndQuery, "Bearer " + KEY);
    }

    private HttpResponse<String> get(String pathAndQuery, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(fake.url() + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return EventParser.MAPPER.readTree(response.body());
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.path("data").forEach(n -> ids.add(n.path("id").asText()));
        return ids;
    }

    /** Every page of a list, following list_metadata.after. */
    private List<List<String>> pages(String pathAndQuery) throws Exception {
        List<List<String>> pages = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = json(get(pathAndQuery + (after == null ? "" : "&after=" + after)));
            pages.add(ids(page));
            JsonNode next = page.path("list_metadata").path("after");
            after = next.isNull() ? null : next.asText();
        } while (after != null && pages.size() < 100);
        return pages;
    }

    /** A directory with 250 users; every tenth pair shares a created_at, so ties go by id. */
    private List<String> twoHundredFiftyUsers() {
        fake.publish("dsync.activated", directory(DIR, ORG, "active", T0), T0);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            String id = "directory_user_%03d".formatted(i);
            Instant created = T0.plusSeconds(i % 10 == 1 ? i - 1 : i);
            // published out of creation order: the list sorts, not the publishing order
            fake.publish("dsync.user.created", user(id, DIR, created, "Núñez"), T0.plusSeconds(1000 - i));
            ids.add(id);
        }
        return ids;
    }

    // ---- tests ----

    @Test
    void pagesThroughTwoHundredFiftyUsersInBothOrders() throws Exception {
        List<String> ascending = twoHundredFiftyUsers();
        fake.directoryUsersRateLimit(0); // many pages in a row; the limit has its own test
        List<String> descending = new ArrayList<>(ascending).reversed();

        List<List<String>> asc = pages("/directory_users?directory=" + DIR + "&limit=100&order=asc");
        assertThat(asc).extracting(List::size).containsExactly(100, 100, 50);
        assertThat(asc.stream().flatMap(List::stream).toList()).isEqualTo(ascending);

        List<List<String>> desc = pages("/directory_users?directory=" + DIR + "&limit=100");
        assertThat(desc).extracting(List::size).containsExactly(100, 100, 50);
        assertThat(desc.stream().flatMap(List::stream).toList()).isEqualTo(descending);

        JsonNode first = json(get("/directory_users?directory=" + DIR + "&limit=100"));
        assertThat(first.path("object").asText()).isEqualTo("list");
        assertThat(first.path("list_metadata").path("before").isNull()).isTrue();
        assertThat(first.path("list_metadata").path("after").asText()).isEqualTo(descending.get(99));
        JsonNode last = json(get("/directory_users?directory=" + DIR + "&limit=100&after=" + descending.get(199)));
        assertThat(last.path("list_metadata").path("after").isNull()).isTrue();
        assertThat(last.path("list_metadata").path("before").asText()).isEqualTo(descending.get(200));
        // before: the page that precedes an object, in the same order
        JsonNode back = json(get("/directory_users?directory=" + DIR + "&limit=100&before=" + descending.get(200)));
        assertThat(ids(back)).isEqualTo(descending.subList(100, 200));
        // the default limit is 10
        assertThat(ids(json(get("/directory_users?directory=" + DIR)))).isEqualTo(descending.subList(0, 10));
        // normal: newest first, with the cursors swapped (before goes to older records, after to newer ones)
        JsonNode normal = json(get("/directory_users?directory=" + DIR + "&limit=100&order=normal"));
        assertThat(ids(normal)).isEqualTo(descending.subList(0, 100));
        assertThat(normal.path("list_metadata").path("after").isNull()).isTrue();
        assertThat(normal.path("list_metadata").path("before").asText()).isEqualTo(descending.get(99));
        JsonNode older = json(get("/directory_users?directory=" + DIR + "&limit=100&order=normal&before=" + descending.get(99)));
        assertThat(ids(older)).isEqualTo(descending.subList(100, 200));
        JsonNode newer = json(get("/directory_users?directory=" + DIR + "&limit=100&order=normal&after=" + descending.get(100)));
        assertThat(ids(newer)).isEqualTo(descending.subList(0, 100));
    }

    @Test
    void usersCarryTheirGroupsUnlessSwitchedOffAndNeverEventOnlyFields() throws Exception {
        fake.publish("dsync.activated", directory(DIR, ORG, "active", T0), T0);
        String amara = user("directory_user_amara", DIR, T0.plusSeconds(1), "Okafor");
        String g1 = group("directory_group_1", DIR, T0.plusSeconds(2));
        String g2 = group("directory_group_2", DIR, T0.plusSeconds(3));
        fake.publish("dsync.user.created", amara, T0.plusSeconds(1));
        fake.publish("dsync.group.created", g1, T0.plusSeconds(2));
        fake.publish("dsync.group.created", g2, T0.plusSeconds(3));
        fake.publish("dsync.group.user_added", membership(g1, amara, DIR), T0.plusSeconds(4));
        fake.publish("dsync.group.user_added", membership(g2, amara, DIR), T0.plusSeconds(5));
        String updated = user("directory_user_amara", DIR, T0.plusSeconds(1), "Okafor-Reyes")
                .replaceFirst("\\}$", ",\"previous_attributes\":{\"last_name\":\"Okafor\"}}");
        fake.publish("dsync.user.updated", updated, T0.plusSeconds(6));

        JsonNode listed = json(get("/directory_users?directory=" + DIR)).path("data").get(0);
        assertThat(listed.path("object").asText()).isEqualTo("directory_user");
        assertThat(listed.path("last_name").asText()).isEqualTo("Okafor-Reyes");
        assertThat(listed.has("previous_attributes")).isFalse();
        assertThat(listed.path("groups")).hasSize(2);
        assertThat(listed.path("groups").get(0).path("object").asText()).isEqualTo("directory_group");
        assertThat(listed.path("groups").get(0).path("id").asText()).isEqualTo("directory_group_1");
        JsonNode single = json(get("/directory_users/directory_user_amara"));
        assertThat(single.path("groups")).hasSize(2);
        assertThat(ids(json(get("/directory_groups?user=directory_user_amara&order=asc"))))
                .containsExactly("directory_group_1", "directory_group_2");
        assertThat(ids(json(get("/directory_users?group=directory_group_2")))).containsExactly("directory_user_amara");
        assertThat(json(get("/directory_groups/directory_group_1")).path("object").asText()).isEqualTo("directory_group");

        fake.groupsFieldOnUsers(false);
        JsonNode without = json(get("/directory_users?directory=" + DIR)).path("data").get(0);
        assertThat(without.path("groups").isArray()).isTrue();
        assertThat(without.path("groups")).isEmpty();
        assertThat(json(get("/directory_users/directory_user_amara")).path("groups")).isEmpty();
        // the recommended route still answers
        assertThat(ids(json(get("/directory_groups?user=directory_user_amara")))).hasSize(2);
    }

    @Test
    void directoriesInRestShape() throws Exception {
        fake.publish("dsync.activated", directory(DIR, ORG, "active", T0), T0);
        fake.publish("dsync.activated", directory("directory_02", "org_other", "validating", T0.plusSeconds(1)), T0.plusSeconds(1));
        fake.publish("dsync.activated", directory("directory_03", ORG, "inactive", T0.plusSeconds(2)), T0.plusSeconds(2));

        JsonNode d = json(get("/directories/" + DIR));
        assertThat(d.path("object").asText()).isEqualTo("directory");
        assertThat(d.path("state").asText()).isEqualTo("linked");
        assertThat(d.path("domain").asText()).isEqualTo("societe.example");
        assertThat(d.path("external_key").asText()).isEqualTo("ext_" + DIR);
        assertThat(d.path("organization_id").asText()).isEqualTo(ORG);
        assertThat(d.path("created_at").asText()).isEqualTo(T0.toString());
        assertThat(d.has("domains")).isFalse();
        assertThat(json(get("/directories/directory_03")).path("state").asText()).isEqualTo("unlinked");
        assertThat(json(get("/directories/directory_02")).path("state").asText()).isEqualTo("validating");
        assertThat(ids(json(get("/directories")))).containsExactly("directory_03", "directory_02", DIR);
        assertThat(ids(json(get("/directories?organization_id=" + ORG + "&order=asc")))).containsExactly(DIR, "directory_03");
    }

    @Test
    void deletionsCascadeAndSilentChangesLogNoEvent() throws Exception {
        fake.publish("dsync.activated", directory(DIR, ORG, "active", T0), T0);
        String u1 = user("directory_user_1", DIR, T0.plusSeconds(1), "Nowak");
        String u2 = user("directory_user_2", DIR, T0.plusSeconds(2), "Sato");
        String g1 = group("directory_group_1", DIR, T0.plusSeconds(3));
        String g2 = group("directory_group_2", DIR, T0.plusSeconds(4));
        for (String u : List.of(u1, u2)) {
            fake.publish("dsync.user.created", u, T0.plusSeconds(5));
        }
        fake.publish("dsync.group.created", g1, T0.plusSeconds(6));
        fake.publish("dsync.group.created", g2, T0.plusSeconds(6));
        for (String g : List.of(g1, g2)) {
            for (String u : List.of(u1, u2)) {
                fake.publish("dsync.group.user_added", membership(g, u, DIR), T0.plusSeconds(7));
            }
        }
        assertThat(fake.world().snapshot().memberships()).hasSize(4);

        fake.publish("dsync.group.deleted", g1, T0.plusSeconds(8));
        assertThat(get("/directory_groups/directory_group_1").statusCode()).isEqualTo(404);
        assertThat(ids(json(get("/directory_groups?user=directory_user_1")))).containsExactly("directory_group_2");
        assertThat(get("/directory_users?group=directory_group_1").statusCode()).isEqualTo(404);

        int events = fake.events().size();
        fake.applySilently("dsync.user.deleted", u1);
        assertThat(fake.events()).hasSize(events);
        assertThat(get("/directory_users/directory_user_1").statusCode()).isEqualTo(404);
        assertThat(ids(json(get("/directory_users?group=directory_group_2")))).containsExactly("directory_user_2");
        assertThat(fake.world().snapshot().memberships())
                .containsExactly(new FakeDirectoryWorld.Membership("directory_group_2", "directory_user_2", DIR));

        // a membership removal, then the directory's deletion takes everything left
        fake.publish("dsync.group.user_removed", membership(g2, u2, DIR), T0.plusSeconds(9));
        assertThat(ids(json(get("/directory_users?group=directory_group_2")))).isEmpty();
        FakeWorkosApi.StoredEvent deleted = fake.publish("dsync.deleted", directory(DIR, ORG, "deleting", T0), T0.plusSeconds(10));
        assertThat(deleted.directoryId()).isEqualTo(DIR);
        assertThat(get("/directories/" + DIR).statusCode()).isEqualTo(404);
        assertThat(get("/directories/" + DIR).body()).isEqualTo("{\"message\":\"Directory not found: '" + DIR + "'.\"}");
        assertThat(get("/directory_users/directory_user_2").statusCode()).isEqualTo(404);
        assertThat(get("/directory_groups/directory_group_2").statusCode()).isEqualTo(404);
        assertThat(get("/directory_users?directory=" + DIR).statusCode()).isEqualTo(404);
        FakeDirectoryWorld.Snapshot world = fake.world().snapshot();
        assertThat(world.directories()).isEmpty();
        assertThat(world.users()).isEmpty();
        assertThat(world.groups()).isEmpty();
        assertThat(world.memberships()).isEmpty();
        assertThat(world.deletedDirectories()).containsExactly(DIR);

        // published events are also served by the Events API
        JsonNode log = json(get("/events?events=dsync.deleted,dsync.group.deleted&limit=10"));
        assertThat(log.path("data")).extracting(e -> e.path("event").asText())
                .containsExactly("dsync.group.deleted", "dsync.deleted");
    }

    @Test
    void listsAreLiveAndACursorOnADeletedObjectKeepsItsPlace() throws Exception {
        List<String> ascending = twoHundredFiftyUsers();
        AtomicBoolean once = new AtomicBoolean();
        List<String> hooked = new ArrayList<>();
        fake.beforePage(path -> {
            hooked.add(path);
            if (path.contains("after=") && once.compareAndSet(false, true)) {
                // while the client pages: the cursor object goes, an old one goes, a new one comes
                fake.publish("dsync.user.deleted", user(ascending.get(99), DIR, T0, "x"), Instant.now());
                fake.applySilently("dsync.user.deleted", user(ascending.get(10), DIR, T0, "x"));
                fake.publish("dsync.user.created", user("directory_user_new", DIR, T0.plusSeconds(10_000), "Neu"), Instant.now());
            }
        });

        List<String> seen = pages("/directory_users?directory=" + DIR + "&limit=100&order=asc").stream()
                .flatMap(List::stream).toList();

        List<String> expected = new ArrayList<>(ascending.subList(0, 100));
        expected.addAll(ascending.subList(100, 250));
        expected.add("directory_user_new");
        assertThat(seen).isEqualTo(expected);
        assertThat(hooked).hasSize(3);
        assertThat(hooked.getFirst()).isEqualTo("/directory_users?directory=" + DIR + "&limit=100&order=asc");
        fake.beforePage(null);
        assertThat(json(get("/directory_users?directory=" + DIR + "&limit=100&order=asc")).path("data")).hasSize(100);
        assertThat(hooked).hasSize(3);
    }

    @Test
    void directoryUsersAreRateLimitedPerDirectory() throws Exception {
        fake.publish("dsync.activated", directory(DIR, ORG, "active", T0), T0);
        fake.publish("dsync.activated", directory("directory_other", ORG, "active", T0), T0);
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> limited = null;
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = get("/directory_users?directory=" + DIR);
            statuses.add(r.statusCode());
            if (r.statusCode() == 429) {
                limited = r;
            }
        }
        assertThat(statuses).contains(200, 429);
        assertThat(statuses.subList(0, 4)).containsOnly(200);
        assertThat(limited.body()).isEqualTo("\"Ratelimited\"");
        assertThat(limited.headers().firstValue("Retry-After")).contains("1");
        int count = fake.rateLimited();
        assertThat(count).isEqualTo((int) statuses.stream().filter(s -> s == 429).count());
        // another directory has its own budget; other endpoints are not limited per directory
        assertThat(get("/directory_users?directory=directory_other").statusCode()).isEqualTo(200);
        assertThat(get("/directory_groups?directory=" + DIR).statusCode()).isEqualTo(200);
        Thread.sleep(1100);
        assertThat(get("/directory_users?directory=" + DIR).statusCode()).isEqualTo(200);

        fake.directoryUsersRateLimit(0);
        for (int i = 0; i < 10; i++) {
            assertThat(get("/directory_users?directory=" + DIR).statusCode()).isEqualTo(200);
        }
        assertThat(fake.rateLimited()).isEqualTo(count);
    }

    @Test
    void theOverallLimitCountsEveryCallOfAKey() throws Exception {
        fake.overallRateLimit(3);
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            statuses.add(get("/directories").statusCode());
        }
        assertThat(statuses).containsExactly(200, 200, 200, 429);
        HttpResponse<String> r = get("/events?events=dsync.activated");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(Integer.parseInt(r.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 20);
        assertThat(fake.rateLimited()).isEqualTo(2);
    }

    @Test
    void refusesMissingKeysUnknownObjectsAndInvalidParameters() throws Exception {
        fake.publish("dsync.activated", directory(DIR, ORG, "active", T0), T0);
        assertThat(get("/directories", null).statusCode()).isEqualTo(401);
        assertThat(get("/directory_users?directory=" + DIR, "Bearer sk_test_wrong").statusCode()).isEqualTo(401);

        assertThat(get("/directories/directory_nope").statusCode()).isEqualTo(404);
        assertThat(get("/directory_users/directory_user_nope").body())
                .isEqualTo("{\"message\":\"Directory User not found: 'directory_user_nope'.\"}");
        assertThat(get("/directory_groups/directory_group_nope").statusCode()).isEqualTo(404);
        assertThat(get("/directory_users?directory=directory_nope").statusCode()).isEqualTo(404);
        assertThat(get("/directory_groups?user=directory_user_nope").statusCode()).isEqualTo(404);
        assertThat(get("/organizations").statusCode()).isEqualTo(404);

        Set<String> invalid = new LinkedHashSet<>(List.of("/directory_users", "/directory_users?limit=10",
                "/directory_groups", "/directory_users?directory=" + DIR + "&limit=0",
                "/directory_users?directory=" + DIR + "&limit=101", "/directory_groups?directory=" + DIR + "&limit=ten",
                "/directories?order=sideways", "/directories?after=directory_never_seen",
                "/directories?after=" + DIR + "&before=" + DIR));
        for (String path : invalid) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(422);
            assertThat(EventParser.MAPPER.readTree(r.body()).path("message").asText()).as(path).isNotEmpty();
        }
        assertThat(get("/directory_users?directory=" + DIR + "&limit=100").statusCode()).isEqualTo(200);
        assertThat(get("/directory_users?directory=" + DIR + "&limit=1").statusCode()).isEqualTo(200);
    }

    @Test
    void aPreparedWorldIsServedFromTheFirstRequestOnAGivenPort() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        try (FakeWorkosApi prepared = FakeWorkosApi.start(KEY, port,
                f -> f.publish("dsync.activated", directory(DIR, ORG, "active", T0), T0))) {
            assertThat(prepared.url().toString()).isEqualTo("http://127.0.0.1:" + port);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(prepared.url() + "/directories"))
                    .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ids(json(r))).containsExactly(DIR);
            assertThatThrownBy(() -> FakeWorkosApi.start(KEY, port)).hasMessageContaining("is the port in use?");
        }
    }
}
