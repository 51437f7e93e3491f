package dev.dsync.topology;

import dev.dsync.events.config.DsyncEnv;
import dev.dsync.topology.query.QueryConfig;
import dev.dsync.topology.query.QueryServer;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Runs the topology and its query API until the JVM is asked to stop. Configuration comes from DSYNC_* environment
 * variables ({@link TopologyConfig#fromEnv}, {@link QueryConfig#fromEnv}).
 */
public final class TopologyMain {

    private static final Logger LOG = LoggerFactory.getLogger(TopologyMain.class);

    private TopologyMain() {
    }

    public static void main(String[] args) throws Exception {
        // one log format: java.util.logging into SLF4J (System.Logger goes there through slf4j-jdk-platform-logging)
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        TopologyConfig config;
        QueryConfig queryConfig;
        try {
            config = TopologyConfig.fromEnv();
            // without a token (or DSYNC_QUERY_AUTH=disabled) the app refuses to start, before touching Kafka
            queryConfig = QueryConfig.fromEnv();
        } catch (IllegalArgumentException e) {
            LOG.error("cannot start: {}", e.getMessage());
            System.exit(2);
            return;
        }
        QueryServer query = QueryServer.start(queryConfig);
        if (config.applicationServer() == null) {
            config = TopologyConfig.fromEnv(DsyncEnv.with(System.getenv(),
                    Map.of(DsyncEnv.APPLICATION_SERVER.name(), query.advertisedAddress())));
        }
        DsyncStreams topology = DsyncStreams.start(config);
        query.attach(topology);
        // With WORKOS_API_KEY set, follow WorkOS's Events API too; one instance of the deployment polls at a time.
        java.util.Optional<dev.dsync.workos.EventsApiSource> eventsApi;
        try {
            eventsApi = dev.dsync.workos.EventsApiSource.startFromEnv(System.getenv(), config.bootstrapServers(),
                    query.meterRegistry());
        } catch (IllegalArgumentException e) {
            LOG.error("cannot start the WorkOS API source: {}", e.getMessage());
            query.close();
            topology.close();
            System.exit(2);
            return;
        }
        eventsApi.ifPresent(query::attachWorkosApi);
        Thread hook = new Thread(() -> {
            eventsApi.ifPresent(dev.dsync.workos.EventsApiSource::close);
            query.close();
            topology.close();
        }, "dsync-topology-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        KafkaStreams.State last = topology.stopped().get();
        if (last == KafkaStreams.State.ERROR) {
            LOG.error("the topology failed; exiting");
            eventsApi.ifPresent(dev.dsync.workos.EventsApiSource::close);
            query.close();
            topology.close();
            System.exit(1);
        }
    }
}
