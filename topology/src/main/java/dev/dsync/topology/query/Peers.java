package dev.dsync.topology.query;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.state.HostInfo;

/** The other instances, as the routing policy calls them: {@link InstanceClient}. Every call is bounded in time. */
interface Peers extends AutoCloseable {

    /** What {@code host} answers to a request sent on as is ({@code target}: raw path and query); empty if nothing. */
    Optional<Answer> forward(HostInfo host, String target);

    /**
     * Asks every host of {@code plan} at once for its piece of the listing {@code target}: the listing over the
     * partitions planned for it, from its own stores, {@link Rows#encode}d. The answers that came, by host.
     */
    Map<HostInfo, Answer> pieces(String target, Map<HostInfo, List<Integer>> plan);

    @Override
    default void close() {
    }
}
