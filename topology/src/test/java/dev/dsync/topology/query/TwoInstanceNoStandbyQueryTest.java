package dev.dsync.topology.query;

import org.junit.jupiter.api.Tag;

/**
 * {@link TwoInstanceQueryTest} without standby replicas and with no staleness allowed: the survivor of a stop
 * restores the stopped instance's partitions from their change-logs and answers 503 for them until it has.
 */
@Tag("integration")
class TwoInstanceNoStandbyQueryTest extends TwoInstanceQueryTest {

    @Override
    int standbyReplicas() {
        return 0;
    }

    @Override
    long maxStaleLag() {
        return 0;
    }
}
