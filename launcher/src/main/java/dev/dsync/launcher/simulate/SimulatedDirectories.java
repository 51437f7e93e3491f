package dev.dsync.launcher.simulate;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates realistic directories and the WorkOS event history that builds and churns them, in event-time
 * order, while keeping the expected final state: what a correct mirror holds after all events are applied.
 */
public final class SimulatedDirectories implements ExpectedState {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final String[] FIRST = {"Amara", "Zoë", "José", "Łukasz", "Søren", "Aiko", "Chloé", "Mateo", "Priya",
            "Björn", "Élodie", "Nguyễn", "Oğuz", "Renée", "Dvořák", "Ana", "Kenji", "Fatima", "Miłosz", "Inès"};
    private static final String[] LAST = {"Okafor", "Müller", "García", "Nowak", "Jørgensen", "Tanaka", "Dubois",
            "Rossi", "Sharma", "Åkesson", "Lefèvre", "Trần", "Yılmaz", "O'Brien", "Novák", "Silva", "Sato", "Haddad"};
    private static final String[] DEPARTMENTS = {"Platform Engineering", "R&D", "Sales — EMEA", "Finance & Legal",
            "Customer Success", "Recherche et Développement"};
    private static final String[] ROLES = {"member", "admin", "billing", "support"};

    /** The policy the mirror applies to inactive users, which the expected state must follow. */
    public enum InactivePolicy { RETAIN, DELETE }

    public record ExpectedUser(String id, String directoryId, String email, String firstName, String lastName,
                               String state, String role, List<String> roles, Map<String, Object> customAttributes) {
    }

    public record ExpectedGroup(String id, String directoryId, String name) {
    }

    public record ExpectedDirectory(String id, String organizationId, String name, String state) {
    }

    private final Random random;
    private final String run;
    private final InactivePolicy policy;
    private Instant clock;
    /** Event times follow the wall clock (never before now) instead of the simulated one. */
    private boolean live;
    private long sequence;

    private final List<byte[]> events = new ArrayList<>();
    private final Map<String, ExpectedDirectory> directories = new LinkedHashMap<>();
    private final Map<String, ObjectNode> users = new LinkedHashMap<>();
    private final Map<String, ObjectNode> groups = new LinkedHashMap<>();
    /** group id + "|" + user id */
    private final Set<String> memberships = new LinkedHashSet<>();
    private final Set<String> deletedDirectories = new LinkedHashSet<>();

    public SimulatedDirectories(long seed, String run, InactivePolicy policy) {
        this(seed, run, policy, Instant.now().minusSeconds(24 * 3600));
    }

    /** A history whose first event happens just after {@code start}. */
    public SimulatedDirectories(long seed, String run, InactivePolicy policy, Instant start) {
        this.random = new Random(seed);
        this.run = run;
        this.policy = policy;
        this.clock = start;
    }

    /** Builds the whole history: initial syncs of two directories and a third that is deleted, then churn. */
    public SimulatedDirectories generate(int userCount) {
        String kept1 = directory("Acme Corp Okta");
        String kept2 = directory("Globex Entra ID");
        String doomed = directory("Initech Google Workspace");
        populate(kept1, userCount * 6 / 10);
        populate(kept2, userCount * 3 / 10);
        populate(doomed, Math.max(5, userCount / 10));
        for (int i = 0; i < userCount * 2; i++) {
            churn();
        }
        deleteDirectory(doomed);
        return this;
    }

    /**
     * Another round of {@code changes} random changes to the live directories, with current event times (each
     * event at least a millisecond after the previous one, never before now).
     *
     * @return the new event bodies, in event-time order (they are also appended to {@link #events()})
     */
    public List<byte[]> liveChurn(int changes) {
        live = true;
        int from = events.size();
        for (int i = 0; i < changes; i++) {
            churn();
        }
        return List.copyOf(events.subList(from, events.size()));
    }

    private String directory(String name) {
        String id = "directory_sim" + run + "_" + (directories.size() + 1);
        String org = "org_sim" + run + "_" + (directories.size() + 1);
        ObjectNode data = JSON.objectNode().put("object", "directory").put("id", id).put("organization_id", org)
                .put("type", "okta scim v2.0").put("state", "active").put("name", name).put("external_key", "k" + id);
        data.putArray("domains").addObject().put("object", "organization_domain").put("id", "org_domain_" + id)
                .put("domain", name.toLowerCase().replaceAll("[^a-z]", "") + ".example");
        Instant now = tick();
        data.put("created_at", now.toString()).put("updated_at", now.toString());
        emit("dsync.activated", data, now);
        directories.put(id, new ExpectedDirectory(id, org, name, "active"));
        return id;
    }

    private void populate(String directoryId, int userCount) {
        int groupCount = Math.max(2, userCount / 20);
        List<String> userIds = new ArrayList<>();
        for (int i = 0; i < userCount; i++) {
            userIds.add(createUser(directoryId));
        }
        List<String> groupIds = new ArrayList<>();
        for (int i = 0; i < groupCount; i++) {
            groupIds.add(createGroup(directoryId));
        }
        for (String user : userIds) {
            int memberOf = 1 + random.nextInt(3);
            for (int i = 0; i < memberOf; i++) {
                addMember(groupIds.get(random.nextInt(groupIds.size())), user);
            }
        }
    }

    private String createUser(String directoryId) {
        String id = "directory_user_sim" + run + "_" + (++sequence);
        String first = FIRST[random.nextInt(FIRST.length)];
        String last = LAST[random.nextInt(LAST.length)];
        Instant now = tick();
        ObjectNode user = JSON.objectNode().put("object", "directory_user").put("id", id)
                .put("directory_id", directoryId).put("organization_id", directories.get(directoryId).organizationId())
                .put("idp_id", "idp" + sequence).put("email", (ascii(first) + "." + ascii(last) + sequence + "@Example.COM"))
                .put("first_name", first).put("last_name", last).put("name", first + " " + last).put("state", "active");
        user.putObject("raw_attributes");
        ObjectNode custom = user.putObject("custom_attributes");
        custom.put("department_name", DEPARTMENTS[random.nextInt(DEPARTMENTS.length)]).put("employee_number", "E-" + sequence);
        custom.putArray("emails").addObject().put("type", "work").put("value", user.get("email").asText()).put("primary", true);
        setRole(user, ROLES[random.nextInt(2)]);
        user.put("created_at", now.toString()).put("updated_at", now.toString());
        users.put(id, user);
        emit("dsync.user.created", user.deepCopy(), now);
        return id;
    }

    private String createGroup(String directoryId) {
        String id = "directory_group_sim" + run + "_" + (++sequence);
        Instant now = tick();
        ObjectNode group = JSON.objectNode().put("object", "directory_group").put("id", id).put("idp_id", "g" + sequence)
                .put("directory_id", directoryId).put("organization_id", directories.get(directoryId).organizationId())
                .put("name", DEPARTMENTS[random.nextInt(DEPARTMENTS.length)] + " " + sequence);
        group.putObject("raw_attributes");
        group.put("created_at", now.toString()).put("updated_at", now.toString());
        groups.put(id, group);
        emit("dsync.group.created", group.deepCopy(), now);
        return id;
    }

    private void addMember(String groupId, String userId) {
        if (memberships.add(groupId + "|" + userId)) {
            membershipEvent("dsync.group.user_added", groupId, userId);
        }
    }

    private void membershipEvent(String type, String groupId, String userId) {
        ObjectNode group = groups.get(groupId);
        ObjectNode data = JSON.objectNode().put("directory_id", group.get("directory_id").asText());
        data.set("user", users.get(userId).deepCopy());
        data.set("group", group.deepCopy());
        emit(type, data, tick());
    }

    /** One random change to a live directory. */
    private void churn() {
        List<String> liveUsers = users.values().stream()
                .filter(u -> !deletedDirectories.contains(u.get("directory_id").asText()))
                .map(u -> u.get("id").asText()).toList();
        List<String> liveGroups = groups.values().stream()
                .filter(g -> !deletedDirectories.contains(g.get("directory_id").asText()))
                .map(g -> g.get("id").asText()).toList();
        if (liveUsers.isEmpty() || liveGroups.isEmpty()) {
            return;
        }
        String user = liveUsers.get(random.nextInt(liveUsers.size()));
        String group = liveGroups.get(random.nextInt(liveGroups.size()));
        int dice = random.nextInt(1000) / 10;
        if (dice < 30) {
            updateUser(user, u -> u.with("custom_attributes").put("department_name", DEPARTMENTS[random.nextInt(DEPARTMENTS.length)]));
        } else if (dice < 45) {
            updateUser(user, u -> setRole(u, ROLES[random.nextInt(ROLES.length)]));
        } else if (dice < 50) {
            updateUser(user, u -> u.put("last_name", LAST[random.nextInt(LAST.length)] + "-" + LAST[random.nextInt(LAST.length)]));
        } else if (dice < 55) {
            deactivate(user, false);
        } else if (dice < 58) {
            deactivate(user, true);
        } else if (dice < 61) {
            deleteUser(user);
        } else if (dice < 78) {
            if (sameDirectory(user, group)) {
                addMember(group, user);
            }
        } else if (dice < 96) {
            String member = memberships.stream().filter(m -> m.startsWith(group + "|")).findFirst().orElse(null);
            if (member != null) {
                memberships.remove(member);
                membershipEvent("dsync.group.user_removed", group, member.substring(group.length() + 1));
            }
        } else if (dice < 98) {
            ObjectNode g = groups.get(group);
            Instant now = tick();
            g.put("name", g.get("name").asText() + " (renamed)").put("updated_at", now.toString());
            emit("dsync.group.updated", g.deepCopy(), now);
        } else if (random.nextInt(4) == 0 && liveGroups.stream()
                .filter(g -> groups.get(g).get("directory_id").equals(groups.get(group).get("directory_id"))).count() > 2) {
            deleteGroup(group);
        }
    }

    private boolean sameDirectory(String user, String group) {
        return users.get(user).get("directory_id").asText().equals(groups.get(group).get("directory_id").asText());
    }

    private void updateUser(String id, java.util.function.Consumer<ObjectNode> change) {
        ObjectNode user = users.get(id);
        if (!user.get("state").asText().equals("active")) {
            return;
        }
        ObjectNode before = user.deepCopy();
        change.accept(user);
        Instant now = tick();
        user.put("updated_at", now.toString());
        ObjectNode data = user.deepCopy();
        ObjectNode previous = data.putObject("previous_attributes");
        user.fieldNames().forEachRemaining(f -> {
            if (!f.equals("updated_at") && !user.get(f).equals(before.get(f))) {
                previous.set(f, before.get(f));
            }
        });
        emit("dsync.user.updated", data, now);
    }

    /** The custom flow keeps inactive users; the secure flow deletes them right after. */
    private void deactivate(String id, boolean secureFlow) {
        ObjectNode user = users.get(id);
        if (!user.get("state").asText().equals("active")) {
            return;
        }
        user.put("state", "inactive");
        Instant now = tick();
        user.put("updated_at", now.toString());
        ObjectNode data = user.deepCopy();
        data.putObject("previous_attributes").put("state", "active");
        emit("dsync.user.updated", data, now);
        if (secureFlow) {
            deleteUser(id);
        } else if (policy == InactivePolicy.DELETE) {
            forgetUser(id);
        }
    }

    private void deleteUser(String id) {
        ObjectNode user = users.get(id);
        Instant now = tick();
        emit("dsync.user.deleted", user.deepCopy().put("updated_at", now.toString()), now);
        forgetUser(id);
    }

    private void forgetUser(String id) {
        users.remove(id);
        memberships.removeIf(m -> m.endsWith("|" + id));
    }

    private void deleteGroup(String id) {
        ObjectNode group = groups.get(id);
        Instant now = tick();
        emit("dsync.group.deleted", group.deepCopy().put("updated_at", now.toString()), now);
        groups.remove(id);
        memberships.removeIf(m -> m.startsWith(id + "|"));
    }

    private void deleteDirectory(String id) {
        ExpectedDirectory directory = directories.get(id);
        Instant now = tick();
        ObjectNode data = JSON.objectNode().put("object", "directory").put("id", id)
                .put("organization_id", directory.organizationId()).put("type", "okta scim v2.0").put("state", "deleting")
                .put("name", directory.name()).put("created_at", now.toString()).put("updated_at", now.toString());
        emit("dsync.deleted", data, now);
        deletedDirectories.add(id);
        directories.remove(id);
        users.values().removeIf(u -> u.get("directory_id").asText().equals(id));
        memberships.removeIf(m -> groups.get(m.substring(0, m.indexOf('|'))).get("directory_id").asText().equals(id));
        groups.values().removeIf(g -> g.get("directory_id").asText().equals(id));
    }

    private static ObjectNode setRole(ObjectNode user, String slug) {
        user.putObject("role").put("slug", slug);
        ArrayNode roles = user.putArray("roles");
        roles.addObject().put("slug", slug);
        return user;
    }

    private void emit(String type, ObjectNode data, Instant at) {
        ObjectNode event = JSON.objectNode().put("object", "event").put("id", "event_sim" + run + "_" + events.size())
                .put("event", type);
        event.set("data", data);
        event.put("created_at", at.toString());
        event.putObject("context");
        events.add(event.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private Instant tick() {
        if (live) {
            Instant next = clock.plusMillis(1);
            Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
            clock = now.isAfter(next) ? now : next;
        } else {
            clock = clock.plusMillis(200 + random.nextInt(800));
        }
        return clock;
    }

    private static String ascii(String name) {
        return java.text.Normalizer.normalize(name, java.text.Normalizer.Form.NFD).replaceAll("[^A-Za-z]", "").toLowerCase();
    }

    /** The event bodies, in event-time order. */
    public List<byte[]> events() {
        return events;
    }

    @Override
    public Map<String, ExpectedDirectory> expectedDirectories() {
        return directories;
    }

    public Set<String> deletedDirectories() {
        return deletedDirectories;
    }

    @Override
    public Map<String, ExpectedUser> expectedUsers() {
        Map<String, ExpectedUser> expected = new LinkedHashMap<>();
        users.forEach((id, u) -> expected.put(id, expectedUser(u)));
        return expected;
    }

    /** What the mirror holds for a user given as WorkOS data (event or REST shape). */
    static ExpectedUser expectedUser(com.fasterxml.jackson.databind.JsonNode u) {
        List<String> roles = new ArrayList<>();
        u.path("roles").forEach(r -> roles.add(r.path("slug").asText()));
        @SuppressWarnings("unchecked")
        Map<String, Object> custom = dev.dsync.events.EventParser.MAPPER.convertValue(u.get("custom_attributes"), Map.class);
        com.fasterxml.jackson.databind.JsonNode role = u.path("role").path("slug");
        return new ExpectedUser(u.get("id").asText(), u.get("directory_id").asText(), u.get("email").asText(),
                u.get("first_name").asText(), u.get("last_name").asText(), u.get("state").asText(),
                role.isMissingNode() || role.isNull() ? null : role.asText(), roles, custom);
    }

    /** What the mirror holds for a group given as WorkOS data. */
    static ExpectedGroup expectedGroup(com.fasterxml.jackson.databind.JsonNode g) {
        return new ExpectedGroup(g.get("id").asText(), g.get("directory_id").asText(), g.get("name").asText());
    }

    @Override
    public Map<String, ExpectedGroup> expectedGroups() {
        Map<String, ExpectedGroup> expected = new LinkedHashMap<>();
        groups.forEach((id, g) -> expected.put(id, expectedGroup(g)));
        return expected;
    }

    /** group id + "|" + user id */
    @Override
    public Set<String> expectedMemberships() {
        return memberships;
    }

    @Override
    public Set<String> allDirectoryIds() {
        Set<String> all = new LinkedHashSet<>(directories.keySet());
        all.addAll(deletedDirectories);
        return all;
    }
}
