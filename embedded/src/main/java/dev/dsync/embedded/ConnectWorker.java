package dev.dsync.embedded;

import dev.dsync.connect.JdbcTarget;
import dev.dsync.connect.MirrorResources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.TargetState;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;

/**
 * A Kafka Connect worker (standalone mode) running in this JVM, with the Debezium JDBC sink on its classpath.
 *
 * <p>The REST API listens on {@code http://127.0.0.1:<restPort>} (default {@value #DEFAULT_REST_PORT}; 0 = a free
 * port). Plugins are found through their ServiceLoader manifests ({@code plugin.discovery=service_load}), which keeps
 * start-up to about 1.5 s. The offsets file lives in {@code dataDir} (sink connectors keep their offsets in Kafka, in
 * the consumer groups {@code connect-<connector name>}, so a restarted worker resumes where the last one committed;
 * {@link dev.dsync.connect.SinkOffsets} resets them through the REST API). A standalone worker keeps connector
 * configurations in memory only: register the connectors after every start.
 *
 * <pre>{@code
 * ConnectWorker connect = new ConnectWorker(bootstrapServers, dataDir.resolve("connect"), 8083).start();
 * connect.registerDsyncConnectors(target);            // the four dsync sinks, JDBC settings filled in
 * connect.awaitConnectorsRunning(Duration.ofSeconds(60));
 * ...
 * connect.close();
 * }</pre>
 */
public final class ConnectWorker implements AutoCloseable {

    public static final int DEFAULT_REST_PORT = dev.dsync.events.config.DsyncEnv.CONNECT_PORT.defaultValue();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    private final String bootstrapServers;
    private final Path dataDir;
    private final int restPort;
    private final Map<String, String> overrides = new LinkedHashMap<>();
    private Connect<StandaloneHerder> connect;

    public ConnectWorker(String bootstrapServers, Path dataDir) {
        this(bootstrapServers, dataDir, DEFAULT_REST_PORT);
    }

    public ConnectWorker(String bootstrapServers, Path dataDir, int restPort) {
        this.bootstrapServers = bootstrapServers;
        this.dataDir = dataDir.toAbsolutePath();
        this.restPort = restPort == 0 ? EmbeddedKafka.freePort() : restPort;
    }

    /** Sets or overrides a worker property before {@link #start()} (e.g. {@code consumer.session.timeout.ms}). */
    public ConnectWorker withWorkerProperty(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    /** The worker properties used by {@link #start()}. */
    public Map<String, String> workerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("offset.storage.file.filename", dataDir.resolve("connect.offsets").toString());
        // also how often sink tasks commit their consumer offsets: at most ~1 s is re-applied after a crash,
        // which is harmless because every write is an idempotent upsert or delete by key
        p.put("offset.flush.interval.ms", "1000");
        p.put("listeners", "http://127.0.0.1:" + restPort);
        p.put("rest.advertised.host.name", "127.0.0.1");
        p.put("rest.advertised.port", String.valueOf(restPort));
        p.put("plugin.discovery", "service_load");
        // connector files carry ${env:DSYNC_JDBC_*}; anything not substituted at registration resolves from the env
        p.put("config.providers", "env");
        p.put("config.providers.env.class", "org.apache.kafka.common.config.provider.EnvVarConfigProvider");
        // a worker that died without leaving its consumer groups blocks its partitions until its session expires
        p.put("consumer.session.timeout.ms", "10000");
        p.put("consumer.heartbeat.interval.ms", "3000");
        // The change-logs are written in transactions: the mirror must hold only what the topology committed, never
        // a record of a transaction it aborted (a crash, a fenced producer) that the retry then writes again.
        p.put("consumer.isolation.level", "read_committed");
        p.putAll(overrides);
        return p;
    }

    public synchronized ConnectWorker start() {
        if (connect != null) {
            return this;
        }
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dataDir, e);
        }
        try {
            connect = new ConnectStandalone().startConnect(workerProperties());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start the Kafka Connect worker (REST port " + restPort
                    + ", Kafka " + bootstrapServers + "): " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * Registers (creates or replaces) the four dsync sink connectors from the classpath
     * ({@code dsync/connectors/*.json}) with the JDBC URL, user and password of {@code target} substituted.
     * Returns their names. Does not wait for the tasks: see {@link #awaitConnectorsRunning(Duration)}.
     */
    public List<String> registerDsyncConnectors(JdbcTarget target) {
        return registerDsyncConnectors(target, false);
    }

    /**
     * As {@link #registerDsyncConnectors(JdbcTarget)}; with {@code stopped}, the connectors are created in the
     * STOPPED state (KIP-980, like {@code "initial_state": "STOPPED"} in {@code POST /connectors}): they run no task
     * and read nothing until resumed ({@code PUT /connectors/{name}/resume}), so their offsets can be reset first
     * (see {@link dev.dsync.connect.SinkOffsets}).
     */
    public List<String> registerDsyncConnectors(JdbcTarget target, boolean stopped) {
        List<String> names = new ArrayList<>();
        for (Map<String, String> config : MirrorResources.resolvedConnectorConfigs(
                target.url(), target.user(), target.password())) {
            putConnector(config, stopped ? TargetState.STOPPED : TargetState.STARTED);
            names.add(config.get("name"));
        }
        return names;
    }

    /** Creates or replaces one connector; {@code config} must contain {@code name}. */
    public void putConnector(Map<String, String> config) {
        putConnector(config, TargetState.STARTED);
    }

    private void putConnector(Map<String, String> config, TargetState initialState) {
        String name = config.get("name");
        if (name == null) {
            throw new IllegalArgumentException("connector config without \"name\"");
        }
        FutureCallback<Herder.Created<ConnectorInfo>> cb = new FutureCallback<>();
        herder().putConnectorConfig(name, config, initialState, true, cb);
        await(cb, "register connector " + name);
    }

    /** The names of the dsync sink connectors (from the classpath connector files). */
    public static List<String> dsyncConnectorNames() {
        return MirrorResources.connectors().stream().map(MirrorResources.Connector::name).toList();
    }

    public List<String> connectorNames() {
        return List.copyOf(herder().connectors());
    }

    /** Connector and task states, e.g. {@code dsync-users-sink -> RUNNING, task 0 RUNNING}. */
    public ConnectorStateInfo status(String connector) {
        return herder().connectorStatus(connector);
    }

    /** True when every registered connector and each of its tasks (at least one) is RUNNING. */
    public boolean allRunning() {
        for (String name : herder().connectors()) {
            ConnectorStateInfo s = status(name);
            if (!"RUNNING".equals(s.connector().state()) || s.tasks().isEmpty()
                    || s.tasks().stream().anyMatch(t -> !"RUNNING".equals(t.state()))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until all registered connectors and their tasks run; throws with the failure trace as soon as one
     * FAILED (e.g. a bad JDBC URL or a missing table), or on timeout.
     */
    public void awaitConnectorsRunning(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String name : herder().connectors()) {
                ConnectorStateInfo s = status(name);
                if ("FAILED".equals(s.connector().state())) {
                    throw new IllegalStateException("connector " + name + " FAILED: " + s.connector().trace());
                }
                for (ConnectorStateInfo.TaskState t : s.tasks()) {
                    if ("FAILED".equals(t.state())) {
                        throw new IllegalStateException("connector " + name + " task " + t.id() + " FAILED: "
                                + t.trace());
                    }
                }
            }
            if (allRunning()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("connectors not RUNNING after " + timeout + ": " + describe());
            }
            sleep(100);
        }
    }

    /** One line per connector with its and its tasks' states (for logs and error messages). */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (String name : herder().connectors()) {
            ConnectorStateInfo s = status(name);
            sb.append(name).append('=').append(s.connector().state());
            s.tasks().forEach(t -> sb.append(" task").append(t.id()).append('=').append(t.state()));
            sb.append("; ");
        }
        return sb.toString();
    }

    public int restPort() {
        return restPort;
    }

    /** {@code http://127.0.0.1:<port>/} */
    public URI restUrl() {
        return URI.create("http://127.0.0.1:" + restPort + "/");
    }

    /** Stops the connectors (committing sink offsets) and the worker. */
    public synchronized void stop() {
        if (connect != null) {
            Connect<StandaloneHerder> c = connect;
            connect = null;
            c.stop();
        }
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized StandaloneHerder herder() {
        if (connect == null) {
            throw new IllegalStateException("the Connect worker is not running");
        }
        return connect.herder();
    }

    private static <T> T await(FutureCallback<T> cb, String what) {
        try {
            return cb.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out trying to " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted trying to " + what, e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
