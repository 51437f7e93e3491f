package dev.dsync.launcher.simulate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dsync.launcher.simulate.SimulatedDirectories.ExpectedDirectory;
import dev.dsync.launcher.simulate.SimulatedDirectories.ExpectedGroup;
import dev.dsync.launcher.simulate.SimulatedDirectories.ExpectedUser;
import dev.dsync.launcher.simulate.SimulatedDirectories.InactivePolicy;
import dev.dsync.workos.fake.FakeDirectoryWorld;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a correct mirror holds for the fake WorkOS API's world: its directories (state in the events vocabulary, as
 * the change-logs keep it), users, groups and memberships, under dsync's inactive-user policy ({@code delete}: an
 * inactive user and its memberships are not mirrored although WorkOS still lists them).
 */
public record WorldExpectation(Set<String> allDirectoryIds, Map<String, ExpectedDirectory> expectedDirectories,
                               Map<String, ExpectedUser> expectedUsers, Map<String, ExpectedGroup> expectedGroups,
                               Set<String> expectedMemberships) implements ExpectedState {

    /**
     * @param alsoCheck directories to look at besides the world's and its deleted ones (of which nothing may remain)
     */
    public static WorldExpectation of(FakeDirectoryWorld.Snapshot world, InactivePolicy policy, Set<String> alsoCheck) {
        Map<String, ExpectedDirectory> directories = new LinkedHashMap<>();
        world.directories().forEach((id, d) -> directories.put(id, directory(d)));
        Map<String, ExpectedUser> users = new LinkedHashMap<>();
        world.users().forEach((id, u) -> {
            if (policy == InactivePolicy.RETAIN || "active".equals(u.path("state").asText())) {
                users.put(id, SimulatedDirectories.expectedUser(u));
            }
        });
        Map<String, ExpectedGroup> groups = new LinkedHashMap<>();
        world.groups().forEach((id, g) -> groups.put(id, SimulatedDirectories.expectedGroup(g)));
        Set<String> memberships = new LinkedHashSet<>();
        for (FakeDirectoryWorld.Membership m : world.memberships()) {
            if (users.containsKey(m.userId()) && groups.containsKey(m.groupId())) {
                memberships.add(m.groupId() + "|" + m.userId());
            }
        }
        Set<String> all = new LinkedHashSet<>(directories.keySet());
        all.addAll(world.deletedDirectories());
        all.addAll(alsoCheck);
        return new WorldExpectation(Collections.unmodifiableSet(all), Collections.unmodifiableMap(directories),
                Collections.unmodifiableMap(users), Collections.unmodifiableMap(groups),
                Collections.unmodifiableSet(memberships));
    }

    private static ExpectedDirectory directory(ObjectNode d) {
        return new ExpectedDirectory(d.path("id").asText(), d.path("organization_id").asText(), d.path("name").asText(),
                d.path("state").asText());
    }
}
