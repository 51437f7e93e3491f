package dev.dsync.launcher.simulate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.events.EventParser;
import dev.dsync.events.EventTimes;
import dev.dsync.workos.fake.FakeDirectoryWorld;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Changes WorkOS makes without ever sending an event ({@link FakeWorkosApi#applySilently}): one user updated (with a
 * newer {@code updated_at}), one user added, one user deleted, one group added, one membership added and one
 * removed. Only a reconciliation against the list endpoints can find them.
 */
final class SilentChanges {

    private SilentChanges() {
    }

    /**
     * Applies the changes to live directories of the world and answers what it did, one line each.
     *
     * @throws IllegalStateException when no directory has enough active users and groups to change
     */
    static List<String> apply(FakeWorkosApi fake, String runId, Random random) {
        FakeDirectoryWorld.Snapshot world = fake.world().snapshot();
        String main = null;
        for (String directory : world.directories().keySet()) {
            if (activeUsers(world, directory).size() >= 4 && groupsOf(world, directory).size() >= 2) {
                main = directory;
                break;
            }
        }
        if (main == null) {
            throw new IllegalStateException("no directory with 4 active users and 2 groups to change silently (use more --users)");
        }
        final String a = main;
        String b = world.directories().keySet().stream().filter(d -> !d.equals(a)).findFirst().orElse(a);
        List<String> users = activeUsers(world, a);
        List<String> groups = groupsOf(world, a);
        Set<String> memberships = new HashSet<>();
        Set<String> withGroups = new HashSet<>();
        world.memberships().stream().filter(m -> m.directoryId() == null || a.equals(m.directoryId())
                        || a.equals(world.groups().get(m.groupId()).path("directory_id").asText()))
                .forEach(m -> {
                    memberships.add(m.groupId() + "|" + m.userId());
                    withGroups.add(m.userId());
                });
        String now = EventTimes.format(Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        List<String> done = new ArrayList<>();

        // a user without memberships if there is one, so what the deletion takes with it is only the user
        List<String> lonely = users.stream().filter(u -> !withGroups.contains(u)).toList();
        String deleted = lonely.isEmpty() ? users.get(random.nextInt(users.size())) : lonely.get(random.nextInt(lonely.size()));
        List<String> others = users.stream().filter(u -> !u.equals(deleted)).toList();
        String updated = others.get(random.nextInt(others.size()));

        ObjectNode update = world.users().get(updated).deepCopy();
        String lastName = update.path("last_name").asText() + "-Silent";
        update.put("last_name", lastName).put("name", update.path("first_name").asText() + " " + lastName)
                .put("updated_at", now);
        update.with("custom_attributes").put("department_name", "Changed without an event");
        fake.applySilently("dsync.user.updated", update.toString());
        done.add("user " + updated + " updated (last_name, department, updated_at " + now + ")");

        ObjectNode added = world.users().get(updated).deepCopy();
        String addedId = "directory_user_sim" + runId + "_silent_1";
        added.put("id", addedId).put("idp_id", "idp_silent_" + runId).put("email", "silent." + runId + "@Example.COM")
                .put("first_name", "Søren").put("last_name", "Silent").put("name", "Søren Silent").put("state", "active")
                .put("created_at", now).put("updated_at", now);
        fake.applySilently("dsync.user.created", added.toString());
        done.add("user " + addedId + " added");

        ObjectNode gone = world.users().get(deleted).deepCopy().put("updated_at", now);
        fake.applySilently("dsync.user.deleted", gone.toString());
        done.add("user " + deleted + " deleted" + (withGroups.contains(deleted) ? " (with its memberships)" : ""));

        ObjectNode group = world.groups().get(groupsOf(world, b).getFirst()).deepCopy();
        String groupId = "directory_group_sim" + runId + "_silent_2";
        group.put("id", groupId).put("idp_id", "g_silent_" + runId).put("name", "Équipe silencieuse")
                .put("created_at", now).put("updated_at", now);
        fake.applySilently("dsync.group.created", group.toString());
        done.add("group " + groupId + " added in " + b);

        // of an active user (an inactive one's memberships are not mirrored under DSYNC_INACTIVE_USERS=delete)
        String removed = memberships.stream().sorted()
                .filter(m -> others.contains(m.substring(m.indexOf('|') + 1))).findFirst().orElse(null);
        String join = null;
        for (int attempt = 0; attempt < 10_000 && join == null; attempt++) {
            String candidate = groups.get(random.nextInt(groups.size())) + "|" + others.get(random.nextInt(others.size()));
            if (!memberships.contains(candidate)) {
                join = candidate;
            }
        }
        if (join == null) {
            join = groups.getFirst() + "|" + addedId;
        }
        fake.applySilently("dsync.group.user_added", membership(fake, a, join));
        done.add("membership " + join.replace('|', '/') + " added");
        if (removed != null) {
            fake.applySilently("dsync.group.user_removed", membership(world, a, removed));
            done.add("membership " + removed.replace('|', '/') + " removed");
        }
        return done;
    }

    private static String membership(FakeWorkosApi fake, String directory, String pipeKey) {
        return membership(fake.world().snapshot(), directory, pipeKey);
    }

    private static String membership(FakeDirectoryWorld.Snapshot world, String directory, String pipeKey) {
        String group = pipeKey.substring(0, pipeKey.indexOf('|'));
        String user = pipeKey.substring(pipeKey.indexOf('|') + 1);
        ObjectNode data = EventParser.MAPPER.createObjectNode().put("directory_id", directory);
        data.set("user", world.users().get(user));
        data.set("group", world.groups().get(group));
        return data.toString();
    }

    private static List<String> activeUsers(FakeDirectoryWorld.Snapshot world, String directory) {
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, ObjectNode> u : world.users().entrySet()) {
            if (directory.equals(u.getValue().path("directory_id").asText())
                    && "active".equals(u.getValue().path("state").asText())) {
                ids.add(u.getKey());
            }
        }
        return ids;
    }

    private static List<String> groupsOf(FakeDirectoryWorld.Snapshot world, String directory) {
        return world.groups().entrySet().stream()
                .filter(g -> directory.equals(g.getValue().path("directory_id").asText())).map(Map.Entry::getKey).toList();
    }
}
