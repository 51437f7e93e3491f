package dev.dsync.topology.query;

import dev.dsync.topology.DsyncStreams;
import dev.dsync.topology.DsyncTopology;
import dev.dsync.topology.state.DirectoryStateReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.LagInfo;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who answers a request: this instance, the instance that owns the directory, or every instance (for
 * listings that span directories), and falls back to a close-enough standby copy while the owner is moving or
 * restoring.
 *
 * <p>The rules that keep answers right:
 * <ul>
 *   <li>State is only ever read from one partition's stores ({@code withPartition}): the partition the directory
 *       hashes to. A fresh read needs this instance's active, running task for it, so it can never answer "not
 *       found" for a directory that merely lives elsewhere.</li>
 *   <li>A stale read (standby or restoring copy) happens only when the copy's change-log lag is at most
 *       {@link QueryConfig#maxStaleLag()} for every queried store, and is marked {@code X-Dsync-Stale: true}. Such a
 *       copy may lack the newest records, so it never answers "not found" (that becomes 503).</li>
 *   <li>A forwarded request is answered by the receiver from its own stores or not at all (503): requests are
 *       forwarded at most once, so instances with different views of the assignment can't bounce a request.</li>
 *   <li>A listing that spans partitions is answered only when every partition answered; otherwise 503.</li>
 *   <li>Every call to another instance, and every broker call made here, has a timeout.</li>
 * </ul>
 */
final class StateRouter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StateRouter.class);
    private static final Duration LAG_CACHE = Duration.ofMillis(500);
    private static final Duration PARTITION_COUNT_RETRY = Duration.ofSeconds(1);

    /**
     * The routing-relevant facts of one request.
     *
     * @param target     raw path and query, as sent on to another instance
     * @param forwarded  sent by another instance: answer from this instance's stores or not at all
     * @param partitions for a piece of a fanned-out listing, the partitions to answer for; otherwise null
     */
    record Call(String target, boolean forwarded, List<Integer> partitions) {
    }

    /** Where a directory lives: its partition and (when Kafka Streams knows) which instances hold it. */
    private record Route(int partition, HostInfo active, List<HostInfo> standbys) {
    }

    /** Who holds each partition, by the last assignment this instance knows of. */
    private record Assignment(Map<Integer, HostInfo> active, Map<Integer, List<HostInfo>> standbys) {
    }

    private record CachedLags(long atNanos, Map<String, Map<Integer, LagInfo>> lags) {
    }

    private final DsyncStreams topology;
    /** Partitions of the input topic are the unit of ownership. */
    private final String eventsTopic;
    private final KafkaStreams streams;
    private final QueryConfig config;
    private final InstanceClient client;
    private final HostInfo self;
    private final Properties adminProperties;
    private final ReentrantLock lagLock = new ReentrantLock();
    private final ReentrantLock countLock = new ReentrantLock();
    private volatile CachedLags lags;
    private volatile Integer partitionCount;
    private volatile long partitionCountFailedAt;

    /** False while the topology cannot serve state (starting, failed or closed). */
    boolean topologyProcessing() {
        return topology.isProcessing();
    }

    StateRouter(DsyncStreams topology, QueryConfig config) {
        this.topology = topology;
        this.streams = topology.streams();
        this.eventsTopic = topology.config().eventsTopic();
        this.config = config;
        this.client = new InstanceClient(config.forwardTimeout(), config.authEnabled() ? config.token() : null);
        String server = topology.config().applicationServer();
        this.self = server == null || server.isBlank() ? null : HostInfo.buildFromEndpoint(server);
        this.adminProperties = adminProperties(topology.config().toStreamsProperties(), config.forwardTimeout());
        if (self == null) {
            LOG.warn("the topology has no application.server: this instance answers only for the directories it "
                    + "owns itself (503 for the rest); set DSYNC_APPLICATION_SERVER when running several instances");
        }
        Thread.ofVirtual().name("query-partition-count").start(this::partitionCount);
    }

    /** True while the Streams client is RUNNING (all its tasks restored and processing). */
    boolean running() {
        return streams.state() == KafkaStreams.State.RUNNING;
    }

    // ---------------------------------------------------------------- directory-scoped requests

    Answer directory(String directoryId, DirectoryReads.DirectoryRead read, Call call) {
        Route route = route(directoryId);
        if (route == null) {
            return Answer.unavailable("the topology is starting; retry shortly");
        }
        Optional<Answer> fresh = readLocal(route.partition(), read::read, false);
        if (fresh.isPresent()) {
            return fresh.get();
        }
        if (!call.forwarded() && route.active() != null && !route.active().equals(self)) {
            Optional<Answer> owner = forward(route.active(), call.target(), Map.of());
            if (owner.isPresent()) {
                return owner.get();
            }
        }
        // a copy that may be behind can show what was there, never assert that something isn't: no stale 404s
        Optional<Answer> stale = readLocal(route.partition(), read::read, true)
                .filter(a -> a.status() != 404).map(Answer::markedStale);
        if (stale.isPresent()) {
            return stale.get();
        }
        if (!call.forwarded()) {
            for (HostInfo standby : route.standbys()) {
                if (!standby.equals(self)) {
                    Optional<Answer> answer = forward(standby, call.target(), Map.of());
                    if (answer.isPresent()) {
                        return answer.get();
                    }
                }
            }
        }
        return Answer.unavailable("the state of directory " + directoryId
                + " is being moved or restored; retry shortly");
    }

    private Route route(String directoryId) {
        try {
            KeyQueryMetadata m = topology.ownerOf(directoryId);
            if (m != null && m != KeyQueryMetadata.NOT_AVAILABLE && m.partition() >= 0) {
                return new Route(m.partition(), known(m.activeHost()),
                        m.standbyHosts().stream().map(StateRouter::known).filter(h -> h != null).toList());
            }
        } catch (RuntimeException e) {
            // not running or rebalancing: no metadata, but a local copy may still answer
        }
        Integer n = partitionCount();
        return n == null ? null : new Route(partitionOf(directoryId, n), null, List.of());
    }

    /** The partition the gateway's producer (default partitioner, String key) sends a directory's events to. */
    static int partitionOf(String directoryId, int partitions) {
        return Utils.toPositive(Utils.murmur2(directoryId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    private static HostInfo known(HostInfo h) {
        return h == null || h.port() < 0 || h.equals(HostInfo.unavailable()) ? null : h;
    }

    /**
     * Reads one partition here: fresh needs the active task to be running here; stale also takes a standby or
     * restoring copy whose lag is small enough. Empty when this instance can't answer for the partition.
     */
    private <T> Optional<T> readLocal(int partition, Function<DirectoryStateReader, T> read, boolean stale) {
        if (stale && !lagAcceptable(partition)) {
            return Optional.empty();
        }
        try {
            return Optional.of(read.apply(reader(partition, stale)));
        } catch (InvalidStateStoreException e) {
            return Optional.empty();
        }
    }

    private Optional<Answer> forward(HostInfo host, String target, Map<String, String> headers) {
        InstanceClient.Reply r = call(host, target, headers);
        if (r == null) {
            return Optional.empty();
        }
        if (r.status() == 200 || r.status() == 400 || (r.status() == 404 && !r.stale())) {
            return Optional.of(new Answer(r.status(), r.body(), r.stale()));
        }
        if (r.status() == 401) {
            LOG.warn("instance {} refused this instance's token: every instance needs the same DSYNC_QUERY_TOKEN",
                    host);
        }
        return Optional.empty();
    }

    private InstanceClient.Reply call(HostInfo host, String target, Map<String, String> headers) {
        try {
            return await(client.get(host, target, headers));
        } catch (RuntimeException e) {
            return null;
        }
    }

    private InstanceClient.Reply await(CompletableFuture<InstanceClient.Reply> f) {
        try {
            // the client's own timeout ends the call; this only bounds the wait should that ever not happen
            return f.get(client.timeout().toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            f.cancel(true);
            LOG.debug("call to another instance failed: {}", e.toString());
            return null;
        }
    }

    // ---------------------------------------------------------------- listings across partitions

    /**
     * A listing that spans partitions. From a client: gathered from every partition (here, from the owners, or
     * from close-enough standbys) and merged. From another instance ({@code call.partitions()} set): this
     * instance's piece for those partitions, in the {@link Rows#encode} format, or 503.
     */
    Answer listing(DirectoryReads.PieceRead read, int limit, Call call) {
        if (call.partitions() != null) {
            return localPiece(read, limit, call.partitions());
        }
        Integer n = partitionCount();
        if (n == null) {
            return Answer.unavailable("the topology is starting; retry shortly");
        }
        Set<Integer> remaining = new TreeSet<>();
        for (int p = 0; p < n; p++) {
            remaining.add(p);
        }
        List<Rows.Piece> pieces = new ArrayList<>();
        boolean stale = false;
        for (Integer p : List.copyOf(remaining)) {
            Optional<Rows.Piece> piece = readPiece(p, read, false);
            if (piece.isPresent()) {
                pieces.add(piece.get());
                remaining.remove(p);
            }
        }
        Assignment assignment = remaining.isEmpty() ? null : assignment();
        if (!remaining.isEmpty()) {
            // during a rebalance a partition may have no active owner at all
            stale |= gather(byHost(remaining, p -> Optional.ofNullable(assignment.active().get(p)).stream().toList()),
                    call, pieces, remaining);
        }
        for (Integer p : List.copyOf(remaining)) {
            Optional<Rows.Piece> piece = readPiece(p, read, true);
            if (piece.isPresent()) {
                pieces.add(piece.get());
                remaining.remove(p);
                stale = true;
            }
        }
        if (!remaining.isEmpty()) {
            stale |= gather(byHost(remaining, p -> assignment.standbys().getOrDefault(p, List.of())), call, pieces,
                    remaining);
        }
        if (!remaining.isEmpty()) {
            return Answer.unavailable("partitions " + remaining + " of the state are being moved or restored; "
                    + "retry shortly");
        }
        Rows.Piece merged = Rows.merge(pieces, limit);
        Answer answer = Answer.ok(Json.list(merged.rows(), merged.after()));
        return stale ? answer.markedStale() : answer;
    }

    private Answer localPiece(DirectoryReads.PieceRead read, int limit, List<Integer> partitions) {
        List<Rows.Piece> pieces = new ArrayList<>();
        boolean stale = false;
        for (int p : partitions) {
            Optional<Rows.Piece> piece = readPiece(p, read, false);
            if (piece.isEmpty()) {
                piece = readPiece(p, read, true);
                stale |= piece.isPresent();
            }
            if (piece.isEmpty()) {
                return Answer.unavailable("partition " + p + " is not available on this instance");
            }
            pieces.add(piece.get());
        }
        return new Answer(200, Rows.encode(Rows.merge(pieces, limit)), stale);
    }

    private Optional<Rows.Piece> readPiece(int partition, DirectoryReads.PieceRead read, boolean stale) {
        return readLocal(partition, read::read, stale);
    }

    /** Groups partitions by the first other instance that may hold them. */
    private Map<HostInfo, List<Integer>> byHost(Set<Integer> partitions,
                                                Function<Integer, List<HostInfo>> holders) {
        Map<HostInfo, List<Integer>> plan = new LinkedHashMap<>();
        for (int p : partitions) {
            for (HostInfo h : holders.apply(p)) {
                if (h != null && !h.equals(self)) {
                    plan.computeIfAbsent(h, k -> new ArrayList<>()).add(p);
                    break;
                }
            }
        }
        return plan;
    }

    /** Asks each instance, in parallel, for its piece; removes what was answered from {@code remaining}. */
    private boolean gather(Map<HostInfo, List<Integer>> plan, Call call, List<Rows.Piece> pieces,
                           Set<Integer> remaining) {
        Map<HostInfo, CompletableFuture<InstanceClient.Reply>> pending = new LinkedHashMap<>();
        plan.forEach((host, ps) -> {
            try {
                pending.put(host, client.get(host, call.target(), Map.of(InstanceClient.SCOPE, "local",
                        InstanceClient.PARTITIONS, ps.stream().map(String::valueOf).collect(Collectors.joining(",")))));
            } catch (RuntimeException e) {
                LOG.debug("cannot call {}: {}", host, e.toString());
            }
        });
        boolean stale = false;
        for (Map.Entry<HostInfo, CompletableFuture<InstanceClient.Reply>> e : pending.entrySet()) {
            InstanceClient.Reply r = await(e.getValue());
            if (r == null || r.status() != 200) {
                continue;
            }
            try {
                pieces.add(Rows.decode(r.body()));
            } catch (RuntimeException bad) {
                LOG.warn("instance {} sent an unreadable listing piece", e.getKey());
                continue;
            }
            remaining.removeAll(plan.get(e.getKey()));
            stale |= r.stale();
        }
        return stale;
    }

    private Assignment assignment() {
        Map<Integer, HostInfo> active = new HashMap<>();
        Map<Integer, List<HostInfo>> standbys = new HashMap<>();
        try {
            for (StreamsMetadata m : streams.metadataForAllStreamsClients()) {
                HostInfo h = known(m.hostInfo());
                if (h == null) {
                    continue;
                }
                for (TopicPartition tp : m.topicPartitions()) {
                    if (tp.topic().equals(eventsTopic)) {
                        active.put(tp.partition(), h);
                    }
                }
                for (TopicPartition tp : m.standbyTopicPartitions()) {
                    if (tp.topic().equals(eventsTopic)) {
                        standbys.computeIfAbsent(tp.partition(), k -> new ArrayList<>()).add(h);
                    }
                }
            }
        } catch (RuntimeException e) {
            // no metadata (not running or rebalancing): only this instance's own copies can answer
        }
        return new Assignment(active, standbys);
    }

    // ---------------------------------------------------------------- local stores, lags, partition count

    private DirectoryStateReader reader(int partition, boolean stale) {
        return new DirectoryStateReader(store(DsyncTopology.DIRECTORIES_STORE, partition, stale),
                store(DsyncTopology.USERS_STORE, partition, stale), store(DsyncTopology.GROUPS_STORE, partition, stale),
                store(DsyncTopology.MEMBERSHIPS_STORE, partition, stale),
                store(DsyncTopology.MEMBERSHIPS_BY_USER_STORE, partition, stale),
                store(DsyncTopology.LAST_EVENTS_STORE, partition, stale));
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name, int partition, boolean stale) {
        StoreQueryParameters<ReadOnlyKeyValueStore<String, V>> q = StoreQueryParameters
                .fromNameAndType(name, QueryableStoreTypes.<String, V>keyValueStore()).withPartition(partition);
        return streams.store(stale ? q.enableStaleStores() : q);
    }

    /** True when this instance holds a copy of the partition that is at most {@code maxStaleLag} behind. */
    private boolean lagAcceptable(int partition) {
        Map<String, Map<Integer, LagInfo>> all = lags();
        if (all == null) {
            return false;
        }
        for (String store : DsyncTopology.QUERYABLE_STORES) {
            Map<Integer, LagInfo> byPartition = all.get(store);
            LagInfo lag = byPartition == null ? null : byPartition.get(partition);
            if (lag == null || lag.offsetLag() > config.maxStaleLag()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Lags of this instance's copies, cached briefly: computing them asks the brokers for the change-logs' end
     * offsets, which must neither happen per request nor hang one, hence the timeout.
     */
    private Map<String, Map<Integer, LagInfo>> lags() {
        CachedLags c = lags;
        if (c != null && System.nanoTime() - c.atNanos() < LAG_CACHE.toNanos()) {
            return c.lags();
        }
        lagLock.lock();
        try {
            c = lags;
            if (c != null && System.nanoTime() - c.atNanos() < LAG_CACHE.toNanos()) {
                return c.lags();
            }
            CompletableFuture<Map<String, Map<Integer, LagInfo>>> f = new CompletableFuture<>();
            Thread.ofVirtual().name("query-store-lags").start(() -> {
                try {
                    f.complete(streams.allLocalStorePartitionLags());
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
            Map<String, Map<Integer, LagInfo>> value;
            try {
                value = f.get(config.forwardTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                value = null;
            } catch (ExecutionException | TimeoutException e) {
                value = null;
            }
            lags = new CachedLags(System.nanoTime(), value);
            return value;
        } finally {
            lagLock.unlock();
        }
    }

    /**
     * Partitions of the events topic, which the state is partitioned like. Asked of the brokers once (it can't
     * change under a running topology); until known, listings and unroutable requests get 503.
     */
    private Integer partitionCount() {
        Integer n = partitionCount;
        if (n != null) {
            return n;
        }
        if (System.nanoTime() - partitionCountFailedAt < PARTITION_COUNT_RETRY.toNanos()) {
            return null;
        }
        countLock.lock();
        try {
            if (partitionCount != null) {
                return partitionCount;
            }
            try (Admin admin = Admin.create(adminProperties)) {
                partitionCount = admin.describeTopics(List.of(eventsTopic)).allTopicNames()
                        .get(config.forwardTimeout().toMillis() * 2, TimeUnit.MILLISECONDS)
                        .get(eventsTopic).partitions().size();
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                partitionCountFailedAt = System.nanoTime();
                LOG.debug("cannot read the partition count of {}: {}", eventsTopic, e.toString());
            }
            return partitionCount;
        } finally {
            countLock.unlock();
        }
    }

    private static Properties adminProperties(Properties streamsProperties, Duration timeout) {
        Properties p = new Properties();
        Set<String> names = new LinkedHashSet<>(AdminClientConfig.configNames());
        streamsProperties.forEach((k, v) -> {
            if (names.contains(String.valueOf(k))) {
                p.put(k, v);
            }
        });
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "dsync-query-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(1000, timeout.toMillis()));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.max(1000, timeout.toMillis() * 2));
        return p;
    }

    @Override
    public void close() {
        client.close();
    }
}
