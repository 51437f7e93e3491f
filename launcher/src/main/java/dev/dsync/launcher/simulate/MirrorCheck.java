package dev.dsync.launcher.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.launcher.simulate.SimulatedDirectories.ExpectedGroup;
import dev.dsync.launcher.simulate.SimulatedDirectories.ExpectedUser;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Compares what the query API and PostgreSQL hold for the simulated directories with the expected state. */
public final class MirrorCheck {

    private final ExpectedState expected;

    public MirrorCheck(ExpectedState expected) {
        this.expected = expected;
    }

    /**
     * Checks the query API (unless {@code queryToken} is null) and PostgreSQL every 2 s until both match or
     * {@code timeout} has passed.
     *
     * @param progress where to report the remaining mismatches every 10 s while waiting; null for silence
     * @return the last check's mismatches: empty when the mirror matched
     */
    public List<String> await(URI queryBase, String queryToken, String jdbcUrl, String jdbcUser, String jdbcPassword,
                              Duration timeout, java.io.PrintStream progress) throws InterruptedException {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        long reported = started;
        List<String> mismatches;
        while (true) {
            mismatches = new ArrayList<>();
            try {
                if (queryToken != null) {
                    mismatches.addAll(queryApi(queryBase, queryToken));
                } else {
                    mismatches.add("query API not checked: no DSYNC_QUERY_TOKEN and no .dsync/query-token");
                }
                mismatches.addAll(database(jdbcUrl, jdbcUser, jdbcPassword));
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                mismatches.add("check failed: " + e);
            }
            if (mismatches.isEmpty() || System.nanoTime() > deadline) {
                return mismatches;
            }
            if (progress != null && System.nanoTime() - reported > 10_000_000_000L) {
                reported = System.nanoTime();
                progress.printf("  ... %.0f s: %d mismatches left (e.g. %s)%n", (reported - started) / 1e9,
                        mismatches.size(), mismatches.getFirst());
            }
            Thread.sleep(2000);
        }
    }

    /** Mismatches between PostgreSQL and the expected state; empty when they agree exactly. */
    public List<String> database(String jdbcUrl, String user, String password) throws Exception {
        List<String> mismatches = new ArrayList<>();
        String[] directoryIds = expected.allDirectoryIds().toArray(String[]::new);
        try (Connection db = DriverManager.getConnection(jdbcUrl, user, password)) {
            Map<String, ExpectedUser> actualUsers = new HashMap<>();
            try (PreparedStatement q = db.prepareStatement("""
                    select id, directory_id, email, first_name, last_name, state, role, roles::text, custom_attributes::text
                    from directory_users where directory_id = any(?)""")) {
                q.setArray(1, db.createArrayOf("text", directoryIds));
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        actualUsers.put(rs.getString(1), new ExpectedUser(rs.getString(1), rs.getString(2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
                                stringList(rs.getString(8)), map(rs.getString(9))));
                    }
                }
            }
            compare("database user", expected.expectedUsers(), actualUsers, mismatches);
            Map<String, ExpectedGroup> actualGroups = new HashMap<>();
            try (PreparedStatement q = db.prepareStatement(
                    "select id, directory_id, name from directory_groups where directory_id = any(?)")) {
                q.setArray(1, db.createArrayOf("text", directoryIds));
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        actualGroups.put(rs.getString(1), new ExpectedGroup(rs.getString(1), rs.getString(2), rs.getString(3)));
                    }
                }
            }
            compare("database group", expected.expectedGroups(), actualGroups, mismatches);
            Set<String> actualMemberships = new HashSet<>();
            try (PreparedStatement q = db.prepareStatement(
                    "select group_id, user_id from directory_group_memberships where directory_id = any(?)")) {
                q.setArray(1, db.createArrayOf("text", directoryIds));
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        actualMemberships.add(rs.getString(1) + "|" + rs.getString(2));
                    }
                }
            }
            compareSets("database membership", expected.expectedMemberships(), actualMemberships, mismatches);
            Map<String, String> actualDirectories = new HashMap<>();
            try (PreparedStatement q = db.prepareStatement("select id, name, state from directories where id = any(?)")) {
                q.setArray(1, db.createArrayOf("text", directoryIds));
                try (ResultSet rs = q.executeQuery()) {
                    while (rs.next()) {
                        actualDirectories.put(rs.getString(1), rs.getString(2) + "/" + rs.getString(3));
                    }
                }
            }
            Map<String, String> expectedDirectories = new HashMap<>();
            expected.expectedDirectories().forEach((id, d) -> expectedDirectories.put(id, d.name() + "/" + d.state()));
            compare("database directory", expectedDirectories, actualDirectories, mismatches);
        }
        return mismatches;
    }

    /** Mismatches between the query API and the expected state, walking every list page by page. */
    public List<String> queryApi(URI base, String token) throws Exception {
        List<String> mismatches = new ArrayList<>();
        HttpClient http = HttpClient.newHttpClient();
        Map<String, ExpectedUser> actualUsers = new HashMap<>();
        Map<String, ExpectedGroup> actualGroups = new HashMap<>();
        Set<String> actualMemberships = new HashSet<>();
        Map<String, String> actualDirectories = new HashMap<>();
        for (String directoryId : expected.allDirectoryIds()) {
            HttpResponse<String> directory = get(http, base, token, "/v1/directories/" + directoryId);
            if (directory.statusCode() == 200) {
                JsonNode d = EventParser.MAPPER.readTree(directory.body());
                actualDirectories.put(directoryId, d.path("name").asText() + "/" + d.path("state").asText());
            } else if (directory.statusCode() != 404) {
                mismatches.add("query API: GET directory " + directoryId + " answered " + directory.statusCode());
                continue;
            }
            for (JsonNode u : list(http, base, token, "/v1/directories/" + directoryId + "/users", mismatches)) {
                actualUsers.put(u.path("id").asText(), userFrom(u));
            }
            for (JsonNode g : list(http, base, token, "/v1/directories/" + directoryId + "/groups", mismatches)) {
                String groupId = g.path("id").asText();
                actualGroups.put(groupId, new ExpectedGroup(groupId, g.path("directory_id").asText(), g.path("name").asText()));
                for (JsonNode member : list(http, base, token,
                        "/v1/directories/" + directoryId + "/groups/" + groupId + "/users", mismatches)) {
                    actualMemberships.add(groupId + "|" + member.path("id").asText());
                }
            }
        }
        compare("query API user", expected.expectedUsers(), actualUsers, mismatches);
        compare("query API group", expected.expectedGroups(), actualGroups, mismatches);
        compareSets("query API membership", expected.expectedMemberships(), actualMemberships, mismatches);
        Map<String, String> expectedDirectories = new HashMap<>();
        expected.expectedDirectories().forEach((id, d) -> expectedDirectories.put(id, d.name() + "/" + d.state()));
        compare("query API directory", expectedDirectories, actualDirectories, mismatches);
        return mismatches;
    }

    private static ExpectedUser userFrom(JsonNode u) {
        List<String> roles = new ArrayList<>();
        u.path("roles").forEach(r -> roles.add(r.asText()));
        return new ExpectedUser(u.path("id").asText(), u.path("directory_id").asText(), u.path("email").asText(),
                u.path("first_name").asText(), u.path("last_name").asText(), u.path("state").asText(),
                u.path("role").isNull() ? null : u.path("role").asText(), roles, map(u.path("custom_attributes").toString()));
    }

    private static List<JsonNode> list(HttpClient http, URI base, String token, String path, List<String> mismatches)
            throws Exception {
        List<JsonNode> all = new ArrayList<>();
        String after = null;
        do {
            String query = "?limit=100" + (after == null ? "" : "&after=" + URLEncoder.encode(after, StandardCharsets.UTF_8));
            HttpResponse<String> response = get(http, base, token, path + query);
            if (response.statusCode() == 404) {
                return all;
            }
            if (response.statusCode() != 200) {
                mismatches.add("query API: GET " + path + " answered " + response.statusCode());
                return all;
            }
            JsonNode page = EventParser.MAPPER.readTree(response.body());
            page.path("data").forEach(all::add);
            JsonNode cursor = page.path("list_metadata").path("after");
            after = cursor.isMissingNode() || cursor.isNull() ? null : cursor.asText();
        } while (after != null);
        return all;
    }

    private static HttpResponse<String> get(HttpClient http, URI base, String token, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static <V> void compare(String what, Map<String, V> expected, Map<String, V> actual, List<String> mismatches) {
        for (Map.Entry<String, V> e : expected.entrySet()) {
            V got = actual.get(e.getKey());
            if (got == null) {
                mismatches.add(what + " " + e.getKey() + " is missing");
            } else if (!Objects.equals(e.getValue(), got)) {
                mismatches.add(what + " " + e.getKey() + " differs: expected " + e.getValue() + " but found " + got);
            }
        }
        actual.keySet().stream().filter(k -> !expected.containsKey(k))
                .forEach(k -> mismatches.add(what + " " + k + " should not exist"));
    }

    private static void compareSets(String what, Set<String> expected, Set<String> actual, List<String> mismatches) {
        expected.stream().filter(m -> !actual.contains(m)).forEach(m -> mismatches.add(what + " " + m + " is missing"));
        actual.stream().filter(m -> !expected.contains(m)).forEach(m -> mismatches.add(what + " " + m + " should not exist"));
    }

    private static List<String> stringList(String json) throws Exception {
        List<String> values = new ArrayList<>();
        if (json != null) {
            EventParser.MAPPER.readTree(json).forEach(n -> values.add(n.isObject() ? n.path("slug").asText() : n.asText()));
        }
        return values;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(String json) {
        try {
            return json == null ? Map.of() : EventParser.MAPPER.readValue(json, Map.class);
        } catch (Exception e) {
            return Map.of("unparseable", json);
        }
    }
}
