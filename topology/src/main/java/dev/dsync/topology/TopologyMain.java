package dev.dsync.topology;

import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the topology until the JVM is asked to stop. Configuration comes from DSYNC_* environment variables. */
public final class TopologyMain {

    private static final Logger LOG = LoggerFactory.getLogger(TopologyMain.class);

    private TopologyMain() {
    }

    public static void main(String[] args) throws Exception {
        TopologyConfig config = TopologyConfig.fromEnv();
        DsyncStreams topology = DsyncStreams.start(config);
        Thread hook = new Thread(topology::close, "dsync-topology-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        KafkaStreams.State last = topology.stopped().get();
        if (last == KafkaStreams.State.ERROR) {
            LOG.error("the topology failed; exiting");
            topology.close();
            System.exit(1);
        }
    }
}
