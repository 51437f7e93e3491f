package dev.dsync.topology.query;

import dev.dsync.topology.DsyncStreams;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where state lives: the partition of a directory and which other instances hold each partition, by the last
 * assignment this instance knows of. Partitions of the events topic are the unit of ownership.
 */
interface DirectoryLocator {

    /** A partition and the other instances that hold it: the owner (null if unknown or this one) and standbys. */
    record Route(int partition, HostInfo owner, List<HostInfo> standbys) {
    }

    /** The partition of a directory, with its holders when Kafka Streams knows them; null until the count is known. */
    Route route(String directoryId);

    /** Every partition with its holders, in partition order; null until the partition count is known. */
    List<Route> partitions();

    /** The partition the gateway's producer (default partitioner, String key) sends a directory's events to. */
    static int partitionOf(String directoryId, int partitions) {
        return Utils.toPositive(Utils.murmur2(directoryId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    /** From Kafka Streams' metadata, with the partition count asked of the brokers. */
    final class Kafka implements DirectoryLocator {

        private static final Logger LOG = LoggerFactory.getLogger(DirectoryLocator.class);
        private static final Duration PARTITION_COUNT_RETRY = Duration.ofSeconds(1);

        private final DsyncStreams topology;
        private final String eventsTopic;
        private final HostInfo self;
        private final Properties adminProperties;
        private final Duration timeout;
        private final ReentrantLock countLock = new ReentrantLock();
        private volatile Integer partitionCount;
        private volatile long partitionCountFailedAt;

        Kafka(DsyncStreams topology, Duration timeout) {
            this.topology = topology;
            this.eventsTopic = topology.config().eventsTopic();
            this.timeout = timeout;
            String server = topology.config().applicationServer();
            this.self = server == null || server.isBlank() ? null : HostInfo.buildFromEndpoint(server);
            this.adminProperties = adminProperties(topology.config().toStreamsProperties(), timeout);
            if (self == null) {
                LOG.warn("the topology has no application.server: this instance answers only for the directories "
                        + "it owns itself (503 for the rest); set DSYNC_APPLICATION_SERVER when running several "
                        + "instances");
            }
            Thread.ofVirtual().name("query-partition-count").start(this::partitionCount);
        }

        @Override
        public Route route(String directoryId) {
            try {
                KeyQueryMetadata m = topology.ownerOf(directoryId);
                if (m != null && m != KeyQueryMetadata.NOT_AVAILABLE && m.partition() >= 0) {
                    return new Route(m.partition(), elsewhere(m.activeHost()),
                            m.standbyHosts().stream().map(this::elsewhere).filter(h -> h != null).toList());
                }
            } catch (RuntimeException e) {
                // not running or rebalancing: no metadata, but a local copy may still answer
            }
            Integer n = partitionCount();
            return n == null ? null : new Route(partitionOf(directoryId, n), null, List.of());
        }

        @Override
        public List<Route> partitions() {
            Integer n = partitionCount();
            if (n == null) {
                return null;
            }
            Map<Integer, HostInfo> active = new HashMap<>();
            Map<Integer, List<HostInfo>> standbys = new HashMap<>();
            try {
                for (StreamsMetadata m : topology.streams().metadataForAllStreamsClients()) {
                    HostInfo h = known(m.hostInfo());
                    if (h == null) {
                        continue;
                    }
                    m.topicPartitions().stream().filter(tp -> tp.topic().equals(eventsTopic))
                            .forEach(tp -> active.put(tp.partition(), h));
                    m.standbyTopicPartitions().stream().filter(tp -> tp.topic().equals(eventsTopic) && !h.equals(self))
                            .forEach(tp -> standbys.computeIfAbsent(tp.partition(), k -> new ArrayList<>()).add(h));
                }
            } catch (RuntimeException e) {
                // no metadata (not running or rebalancing): only this instance's own copies can answer
            }
            List<Route> routes = new ArrayList<>(n);
            for (int p = 0; p < n; p++) {
                routes.add(new Route(p, elsewhere(active.get(p)), standbys.getOrDefault(p, List.of())));
            }
            return routes;
        }

        private static HostInfo known(HostInfo h) {
            return h == null || h.port() < 0 || h.equals(HostInfo.unavailable()) ? null : h;
        }

        private HostInfo elsewhere(HostInfo h) {
            return known(h) == null || h.equals(self) ? null : h;
        }

        /**
         * Partitions of the events topic, which the state is partitioned like. Asked of the brokers once (it can't
         * change under a running topology), with a timeout; until known, listings and unroutable requests get 503.
         */
        private Integer partitionCount() {
            Integer n = partitionCount;
            if (n != null || System.nanoTime() - partitionCountFailedAt < PARTITION_COUNT_RETRY.toNanos()) {
                return n;
            }
            countLock.lock();
            try {
                if (partitionCount == null) {
                    partitionCount = describeEventsTopic();
                }
                return partitionCount;
            } finally {
                countLock.unlock();
            }
        }

        private Integer describeEventsTopic() {
            try (Admin admin = Admin.create(adminProperties)) {
                return admin.describeTopics(List.of(eventsTopic)).allTopicNames()
                        .get(timeout.toMillis() * 2, TimeUnit.MILLISECONDS).get(eventsTopic).partitions().size();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                partitionCountFailedAt = System.nanoTime();
                LOG.debug("cannot read the partition count of {}: {}", eventsTopic, e.toString());
                return null;
            }
        }

        private static Properties adminProperties(Properties streamsProperties, Duration timeout) {
            Properties p = new Properties();
            streamsProperties.forEach((k, v) -> {
                if (AdminClientConfig.configNames().contains(String.valueOf(k))) {
                    p.put(k, v);
                }
            });
            p.put(AdminClientConfig.CLIENT_ID_CONFIG, "dsync-query-admin");
            p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, timeout.toMillis()));
            p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(1000, timeout.toMillis() * 2));
            return p;
        }
    }
}
