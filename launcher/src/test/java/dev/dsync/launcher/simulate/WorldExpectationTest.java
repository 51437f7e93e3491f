package dev.dsync.launcher.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dsync.events.EventParser;
import dev.dsync.launcher.simulate.DriftExpectation.DirectoryDrift;
import dev.dsync.launcher.simulate.SimulatedDirectories.InactivePolicy;
import dev.dsync.workos.fake.FakeWorkosApi;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The expected mirror built from the fake WorkOS API's world, and the drift a reconciliation must report after
 * silent changes.
 */
class WorldExpectationTest {

    private final FakeWorkosApi fake = FakeWorkosApi.start("sk_test_expectation");

    @AfterEach
    void stop() {
        fake.close();
    }

    private SimulatedDirectories publishHistory(InactivePolicy policy, int users, long seed) throws Exception {
        SimulatedDirectories sim = new SimulatedDirectories(seed, "t" + seed, policy, Instant.now().minusSeconds(40L * 86400))
                .generate(users);
        for (byte[] body : sim.events()) {
            publish(body);
        }
        return sim;
    }

    private FakeWorkosApi.StoredEvent publish(byte[] body) throws Exception {
        JsonNode e = EventParser.MAPPER.readTree(body);
        return fake.publish(e.path("event").asText(), e.path("data").toString(), Instant.parse(e.path("created_at").asText()));
    }

    @ParameterizedTest
    @EnumSource(InactivePolicy.class)
    void theWorldAfterTheSimulatedHistoryIsWhatTheSimulatorExpects(InactivePolicy policy) throws Exception {
        SimulatedDirectories sim = publishHistory(policy, 300, 42 + policy.ordinal());
        for (byte[] body : sim.liveChurn(150)) {
            publish(body);
        }

        WorldExpectation world = WorldExpectation.of(fake.world().snapshot(), policy, sim.allDirectoryIds());

        assertThat(world.expectedDirectories()).isEqualTo(sim.expectedDirectories());
        assertThat(world.expectedDirectories().values()).extracting(SimulatedDirectories.ExpectedDirectory::state)
                .containsOnly("active");
        assertThat(world.expectedUsers()).isEqualTo(sim.expectedUsers());
        assertThat(world.expectedGroups()).isEqualTo(sim.expectedGroups());
        assertThat(world.expectedMemberships()).isEqualTo(sim.expectedMemberships());
        assertThat(world.allDirectoryIds()).isEqualTo(sim.allDirectoryIds());
        assertThat(sim.deletedDirectories()).hasSize(1);
        assertThat(fake.world().snapshot().deletedDirectories()).isEqualTo(sim.deletedDirectories());
        if (policy == InactivePolicy.RETAIN) {
            assertThat(world.expectedUsers().values()).extracting(SimulatedDirectories.ExpectedUser::state).contains("inactive");
        } else {
            // WorkOS still lists them; the mirror drops them and their memberships
            assertThat(fake.world().snapshot().users().values()).anyMatch(u -> u.path("state").asText().equals("inactive"));
            assertThat(world.expectedUsers().values()).extracting(SimulatedDirectories.ExpectedUser::state).containsOnly("active");
        }
    }

    @Test
    void liveChurnHasCurrentStrictlyIncreasingEventTimes() throws Exception {
        SimulatedDirectories sim = new SimulatedDirectories(7, "live", InactivePolicy.RETAIN,
                Instant.now().minusSeconds(40L * 86400)).generate(100);
        Instant before = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        List<byte[]> live = sim.liveChurn(100);
        assertThat(live).isNotEmpty();
        Instant previous = Instant.MIN;
        for (byte[] body : live) {
            Instant at = Instant.parse(EventParser.MAPPER.readTree(body).path("created_at").asText());
            assertThat(at).isAfterOrEqualTo(before).isAfter(previous);
            previous = at;
        }
        assertThat(previous).isBefore(Instant.now().plusSeconds(5));
    }

    @ParameterizedTest
    @EnumSource(InactivePolicy.class)
    void silentChangesGiveExactlyTheirDrift(InactivePolicy policy) throws Exception {
        SimulatedDirectories sim = publishHistory(policy, 200, 7 + policy.ordinal());
        Set<String> ours = sim.allDirectoryIds();
        WorldExpectation mirror = WorldExpectation.of(fake.world().snapshot(), policy, ours);
        int events = fake.events().size();

        List<String> changes = SilentChanges.apply(fake, "run1", new Random(3));
        WorldExpectation workos = WorldExpectation.of(fake.world().snapshot(), policy, ours);
        Map<String, DirectoryDrift> drift = DriftExpectation.between(mirror, workos);

        assertThat(fake.events()).hasSize(events);
        assertThat(changes).hasSize(6);
        assertThat(drift).hasSize(2);
        List<String> directories = List.copyOf(sim.expectedDirectories().keySet());
        DirectoryDrift main = drift.get(directories.get(0));
        DirectoryDrift other = drift.get(directories.get(1));
        assertThat(main.kind("directories").total()).isZero();
        assertThat(main.kind("users").missing()).containsExactly("directory_user_simrun1_silent_1");
        assertThat(main.kind("users").extra()).hasSize(1);
        assertThat(main.kind("users").different()).hasSize(1);
        assertThat(main.kind("groups").total()).isZero();
        assertThat(main.kind("memberships").missing()).hasSize(1);
        assertThat(main.kind("memberships").extra()).hasSize(1); // the deleted user had no memberships
        assertThat(main.kind("memberships").different()).isEmpty();
        assertThat(main.total()).isEqualTo(5);
        assertThat(other.kind("groups").missing()).containsExactly("directory_group_simrun1_silent_2");
        assertThat(other.total()).isEqualTo(1);
        assertThat(DriftExpectation.total(drift)).isEqualTo(6);
        String membership = main.kind("memberships").missing().iterator().next();
        assertThat(membership).matches("directory_group_\\S+/directory_user_\\S+");

        // a record as dsync writes it to dsync.reconciliations
        JsonNode record = record(main, "completed");
        assertThat(DriftExpectation.check(main, record)).isEmpty();
        assertThat(DriftExpectation.check(DirectoryDrift.none("d"), record(DirectoryDrift.none("d"), "completed"))).isEmpty();
        assertThat(DriftExpectation.check(main, record(DirectoryDrift.none("d"), "completed")))
                .hasSize(6).anyMatch(m -> m.contains("users.missing: expected 1 [directory_user_simrun1_silent_1]"))
                .anyMatch(m -> m.contains("drift_total 0, expected 5"));
        assertThat(DriftExpectation.check(main, record(main, "failed"))).singleElement().asString().contains("failed");
        assertThat(DriftExpectation.check(main, EventParser.MAPPER.nullNode())).singleElement().asString()
                .contains("no reconciliation record");
    }

    private static JsonNode record(DirectoryDrift drift, String status) {
        var record = EventParser.MAPPER.createObjectNode().put("reconciliation_id", "rec_1")
                .put("directory_id", drift.directoryId()).put("trigger", "request").put("status", status);
        var kinds = record.putObject("drift");
        drift.kinds().forEach((name, k) -> {
            var kind = kinds.putObject(name).put("missing", k.missing().size()).put("extra", k.extra().size())
                    .put("different", k.different().size());
            var examples = kind.putObject("examples");
            k.missing().forEach(examples.withArray("missing")::add);
            k.extra().forEach(examples.withArray("extra")::add);
            k.different().forEach(examples.withArray("different")::add);
        });
        record.put("drift_total", drift.total()).put("repaired", drift.total());
        return record;
    }
}
