package dev.dsync.launcher.simulate;

import dev.dsync.launcher.simulate.SimulatedDirectories.ExpectedDirectory;
import dev.dsync.launcher.simulate.SimulatedDirectories.ExpectedGroup;
import dev.dsync.launcher.simulate.SimulatedDirectories.ExpectedUser;
import java.util.Map;
import java.util.Set;

/** What a correct mirror holds for a set of directories: what {@link MirrorCheck} compares dsync with. */
public interface ExpectedState {

    /** Every directory to look at, including deleted ones (of which nothing may remain). */
    Set<String> allDirectoryIds();

    Map<String, ExpectedDirectory> expectedDirectories();

    Map<String, ExpectedUser> expectedUsers();

    Map<String, ExpectedGroup> expectedGroups();

    /** group id + "|" + user id */
    Set<String> expectedMemberships();
}
