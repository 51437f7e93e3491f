package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologyMetricsTest {

    @Test
    void everyDeadLetterReasonReachesTheListenerWhetherCountedBeforeOrAfterItListens() {
        TopologyMetrics metrics = new TopologyMetrics();
        metrics.deadLettered("missing_created_at");
        List<String> heard = new ArrayList<>();
        metrics.onDeadLetterReason(heard::add);
        assertThat(heard).containsExactly("missing_created_at");
        metrics.deadLettered("too_large");
        metrics.deadLettered("too_large");
        metrics.deadLettered("missing_created_at");
        assertThat(heard).containsExactly("missing_created_at", "too_large");
        assertThat(metrics.deadLettersByReason()).isEqualTo(Map.of("missing_created_at", 2L, "too_large", 2L));
        assertThat(metrics.get(TopologyMetrics.Counter.DEAD_LETTERED)).isEqualTo(4);
    }
}
