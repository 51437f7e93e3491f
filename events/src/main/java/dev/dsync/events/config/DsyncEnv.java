package dev.dsync.events.config;

import dev.dsync.events.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every environment variable dsync reads, declared once: name, type and validation (the {@link Parser}), default,
 * and the documentation of README's configuration table, row for row and in its order ({@code ConfigurationTableTest}
 * checks both ways). The components read them through these declarations ({@link Setting#get}), so every value is
 * parsed the same way and every error names the variable and the expected form ({@link SettingException}, exit 2).
 *
 * <p>A new setting is a new constant here, a new entry in {@link #ALL} and a new row in README.
 */
public final class DsyncEnv {

    private DsyncEnv() {
    }

    public static final Setting<List<String>> WEBHOOK_SECRET = Setting.of("WORKOS_WEBHOOK_SECRET", Parser.commaList(), List.of(),
            "none (`./dsync up` generates one)", "gateway, `simulate`",
            "The WorkOS endpoint secret. Comma-separate several to rotate without downtime. The gateway refuses to start without one.").secret();

    public static final Setting<String> WORKOS_API_KEY = Setting.of("WORKOS_API_KEY", Parser.string(), null,
            "none", "topology, `up`, `simulate --api`",
            "Enables the WorkOS API source: bootstrap, Events API, reconciliation ([above](#syncing-from-the-workos-api)). Never logged.").secret();

    public static final Setting<URI> WORKOS_API_URL = Setting.of("WORKOS_API_URL", Parser.uri(), URI.create("https://api.workos.com"),
            "`https://api.workos.com`", "topology, `up`, `simulate --api`",
            "WorkOS's API base URL (tests point it at a local fake).");

    public static final Setting<Boolean> EVENTS_API = Setting.of("DSYNC_EVENTS_API", Parser.lenientOnOff(), null,
            "`on` when a key is set", "topology, `up`",
            "`on`/`off`: follow the Events API. Bootstrap and reconciliation run either way when a key is set; `on` without a key is an error.");

    public static final Setting<Duration> RECONCILE_INTERVAL = Setting.of("DSYNC_RECONCILE_INTERVAL", Parser.offOrPositiveDuration(), Duration.ofHours(6),
            "`PT6H`", "topology, `up`",
            "How often every directory is reconciled with WorkOS's API (ISO-8601 duration or seconds), counted from the start of the last complete one; `off` disables the schedule (bootstrap, gaps and requests still run).");

    public static final Setting<Duration> EVENTS_POLL_INTERVAL = Setting.of("DSYNC_EVENTS_POLL_INTERVAL", Parser.durationOrSeconds(), Duration.ofSeconds(5),
            "`PT5S`", "topology, `up`",
            "Pause between polls once caught up (ISO-8601 duration or seconds; a full page is followed at once).");

    public static final Setting<Double> WORKOS_MAX_RPS = Setting.of("DSYNC_WORKOS_MAX_RPS", Parser.positiveNumber(), 20.0,
            "`20`", "topology, `up`",
            "Budget for all requests to WorkOS (Events API and reconciliation); its 4/s per directory on `/directory_users` is honoured on top, and reconciliation lists `min(8, this / 4)` directories at once.");

    public static final Setting<Instant> EVENTS_START_AT = Setting.of("DSYNC_EVENTS_START_AT", Parser.instant(), null,
            "now", "topology, `up`",
            "ISO-8601 instant the very first poll starts from (no stored cursor yet); the Events API keeps 30 days.");

    public static final Setting<String> WORKOS_CURSOR_TOPIC = Setting.of("DSYNC_WORKOS_CURSOR_TOPIC", Parser.string(), "dsync.workos.cursor",
            "`dsync.workos.cursor`", "topology, `up`",
            "Where the Events API position and the reconciliation requests and runs are kept.");

    public static final Setting<String> KAFKA_BOOTSTRAP_SERVERS = Setting.of("DSYNC_KAFKA_BOOTSTRAP_SERVERS", Parser.string(), "127.0.0.1:9092",
            "`127.0.0.1:9092`", "all",
            "Kafka. When set for `./dsync up`, no in-process broker is started.");

    public static final Setting<Integer> GATEWAY_PORT = Setting.of("DSYNC_GATEWAY_PORT", Parser.port(), 8080,
            "`8080`", "gateway, `simulate`",
            "Webhook and operations port.");

    public static final Setting<String> GATEWAY_HOST = Setting.of("DSYNC_GATEWAY_HOST", Parser.string(), "0.0.0.0",
            "`0.0.0.0`", "gateway",
            "Bind address.");

    public static final Setting<Integer> GATEWAY_MAX_BODY_BYTES = Setting.of("DSYNC_GATEWAY_MAX_BODY_BYTES", Parser.integer(1, Integer.MAX_VALUE), 1024 * 1024,
            "`1048576`", "gateway",
            "Larger bodies get 413 (enforced while reading).");

    public static final Setting<Integer> GATEWAY_TOLERANCE_SECONDS = Setting.of("DSYNC_GATEWAY_TOLERANCE_SECONDS", Parser.integer(0, Integer.MAX_VALUE), 180,
            "`180`", "gateway",
            "Allowed clock difference of the signature timestamp, both directions.");

    public static final Setting<Integer> GATEWAY_ACK_TIMEOUT_MS = Setting.of("DSYNC_GATEWAY_ACK_TIMEOUT_MS", Parser.integer(1, Integer.MAX_VALUE), 10_000,
            "`10000`", "gateway",
            "How long a request waits for Kafka's acknowledgement before 503.");

    public static final Setting<Integer> GATEWAY_MAX_IN_FLIGHT = Setting.of("DSYNC_GATEWAY_MAX_IN_FLIGHT", Parser.integer(1, Integer.MAX_VALUE), 256,
            "`256`", "gateway",
            "Concurrent webhooks held in memory; beyond it, 503 (overload never grows memory).");

    public static final Setting<Integer> GATEWAY_RETRY_AFTER_SECONDS = Setting.of("DSYNC_GATEWAY_RETRY_AFTER_SECONDS", Parser.integer(0, Integer.MAX_VALUE), 5,
            "`5`", "gateway",
            "`Retry-After` on 503.");

    public static final Setting<String> EVENTS_TOPIC = Setting.of("DSYNC_EVENTS_TOPIC", Parser.string(), Topics.EVENTS,
            "`workos.dsync.events`", "all",
            "The input topic: the gateway writes it, the topology reads it, the query API routes by its partitions. One setting for every part.");

    public static final Setting<String> OTHER_EVENTS_TOPIC = Setting.of("DSYNC_OTHER_EVENTS_TOPIC", Parser.string(), Topics.OTHER_EVENTS,
            "`workos.events.other`", "gateway, topology",
            "Where non-Directory-Sync events go.");

    public static final Setting<Integer> TOPIC_PARTITIONS = Setting.of("DSYNC_TOPIC_PARTITIONS", Parser.integer(1, Integer.MAX_VALUE), 3,
            "`3`", "all",
            "Partitions of topics the apps create.");

    public static final Setting<Integer> TOPIC_REPLICATION_FACTOR = Setting.of("DSYNC_TOPIC_REPLICATION_FACTOR", Parser.integer(1, Short.MAX_VALUE), 1,
            "`1`", "gateway, topology",
            "Replication of topics the gateway and the WorkOS API source create.");

    public static final Setting<String> INACTIVE_USERS = Setting.of("DSYNC_INACTIVE_USERS", Parser.choice("retain", "delete"), "retain",
            "`retain`", "topology, `simulate`",
            "`retain` or `delete`.");

    public static final Setting<Boolean> PROVISIONING = Setting.of("DSYNC_PROVISIONING", Parser.onOff(), true,
            "`on`", "topology",
            "`on`/`off`: write `dsync.provisioning`.");

    public static final Setting<Duration> PROVISIONING_RETENTION = Setting.of("DSYNC_PROVISIONING_RETENTION", Parser.positiveIsoDuration(), Duration.ofDays(30),
            "`P30D`", "topology",
            "Retention of `dsync.provisioning` when the topology creates it (ISO-8601 duration).");

    public static final Setting<Duration> TOMBSTONE_RETENTION = Setting.of("DSYNC_TOMBSTONE_RETENTION", Parser.positiveIsoDuration(), Duration.ofDays(4),
            "`P4D`", "topology",
            "How long deletion markers and seen event ids are kept (ISO-8601 duration).");

    public static final Setting<Duration> TOMBSTONE_PURGE_INTERVAL = Setting.of("DSYNC_TOMBSTONE_PURGE_INTERVAL", Parser.isoDuration(), null,
            "min(retention/8, 1 h), at least 1 s", "topology",
            "How often expired markers are purged (wall clock; ISO-8601 duration).");

    public static final Setting<String> APPLICATION_ID = Setting.of("DSYNC_APPLICATION_ID", Parser.string(), "dsync-topology",
            "`dsync-topology`", "topology",
            "Kafka Streams application id (consumer group, internal topics).");

    public static final Setting<Path> STATE_DIR = Setting.of("DSYNC_STATE_DIR", Parser.path(), Path.of(System.getProperty("java.io.tmpdir"), "dsync-topology"),
            "`.dsync/state` (`up`), `$TMPDIR/dsync-topology` otherwise", "topology",
            "RocksDB state directory; keep it on a persistent disk.");

    public static final Setting<String> PROCESSING_GUARANTEE = Setting.of("DSYNC_PROCESSING_GUARANTEE", Parser.string(), "exactly_once_v2",
            "`exactly_once_v2`", "topology",
            "Kafka Streams processing guarantee.");

    public static final Setting<Duration> COMMIT_INTERVAL = Setting.of("DSYNC_COMMIT_INTERVAL", Parser.isoDuration(), Duration.ofSeconds(1),
            "`PT1S`", "topology",
            "ISO-8601 duration: how often the topology commits (one transaction under exactly-once) while events keep coming, so how late at most a change reaches `read_committed` consumers and PostgreSQL under load. A stream thread whose input goes quiet (no record for any of its tasks) commits within a few hundred milliseconds, so a lone webhook or the end of a burst does not wait for the interval. Longer trades latency under load for throughput: at 100 ms, Streams' default, the topology benchmark ran about 10% slower (README, Benchmarks).");

    public static final Setting<Integer> NUM_STANDBY_REPLICAS = Setting.of("DSYNC_NUM_STANDBY_REPLICAS", Parser.integer(0, Integer.MAX_VALUE), 0,
            "`0`", "topology",
            "Standby replicas (serve queries during rebalances).");

    public static final PrefixSetting STREAMS = new PrefixSetting("DSYNC_STREAMS_",
            "", "topology",
            "Any Kafka Streams property, `_` → `.`, lower-cased (`DSYNC_STREAMS_CONSUMER_SESSION_TIMEOUT_MS=10000`); "
                    + "applied after the settings dsync makes itself (`TopologyConfig.toStreamsProperties`).");

    public static final Setting<String> APPLICATION_SERVER = Setting.of("DSYNC_APPLICATION_SERVER", Parser.string(), null,
            "`127.0.0.1:<query port>`", "topology",
            "The `host:port` other instances use to reach this one (set it in containers).");

    public static final Setting<String> QUERY_HOST = Setting.of("DSYNC_QUERY_HOST", Parser.string(), "0.0.0.0",
            "`0.0.0.0`", "topology",
            "Query API bind address.");

    public static final Setting<Integer> QUERY_PORT = Setting.of("DSYNC_QUERY_PORT", Parser.port(), 8081,
            "`8081`", "topology, `simulate`, `reconcile`",
            "Query API port.");

    public static final Setting<String> QUERY_TOKEN = Setting.of("DSYNC_QUERY_TOKEN", Parser.string(), null,
            "none (`./dsync up` generates one)", "topology, `simulate`, `reconcile`",
            "Bearer token for `/v1`. Required unless `DSYNC_QUERY_AUTH=disabled`.").secret();

    public static final Setting<String> QUERY_AUTH = Setting.of("DSYNC_QUERY_AUTH", Parser.choice("enabled", "disabled"), "enabled",
            "`enabled`", "topology",
            "`disabled` serves `/v1` without a token (explicit opt-out).");

    public static final Setting<Integer> QUERY_MAX_STALE_LAG = Setting.of("DSYNC_QUERY_MAX_STALE_LAG", Parser.integer(0, Integer.MAX_VALUE), 100,
            "`100`", "topology",
            "How many records behind a standby copy may be and still answer (marked `X-Dsync-Stale: true`).");

    public static final Setting<Duration> QUERY_FORWARD_TIMEOUT = Setting.of("DSYNC_QUERY_FORWARD_TIMEOUT", Parser.isoDuration(), Duration.ofSeconds(2),
            "`PT2S`", "topology",
            "Longest a forwarded call to another instance may take; then fail over or 503.");

    public static final Setting<String> JDBC_URL = Setting.of("DSYNC_JDBC_URL", Parser.string(), "jdbc:postgresql://127.0.0.1:15432/dsync",
            "the embedded one, `jdbc:postgresql://127.0.0.1:15432/dsync`", "`up`, `simulate`, Connect",
            "The database to mirror into. When it is set, `./dsync up` starts no embedded PostgreSQL.");

    public static final Setting<String> JDBC_USER = Setting.of("DSYNC_JDBC_USER", Parser.string(), "dsync",
            "`dsync`", "`up`, `simulate`, Connect",
            "The database user.").verbatim();

    public static final Setting<String> JDBC_PASSWORD = Setting.of("DSYNC_JDBC_PASSWORD", Parser.string(), "dsync",
            "`dsync`", "`up`, `simulate`, Connect",
            "The database password (taken as given: an empty value is an empty password).").verbatim().secret();

    public static final Setting<Integer> PG_PORT = Setting.of("DSYNC_PG_PORT", Parser.port(), 15432,
            "`15432`", "`up`",
            "Port of the embedded PostgreSQL.");

    public static final Setting<Integer> CONNECT_PORT = Setting.of("DSYNC_CONNECT_PORT", Parser.port(), 8083,
            "`8083`", "`up`",
            "Connect REST API port.");

    public static final Setting<URI> CONNECT_URL = Setting.of("DSYNC_CONNECT_URL", Parser.uri(), URI.create("http://127.0.0.1:8083"),
            "`http://127.0.0.1:8083`", "sink supervisor (compose)",
            "The Connect REST API the standalone sink supervisor watches (`./dsync up` watches its own worker).");

    public static final Setting<Integer> KAFKA_PORT = Setting.of("DSYNC_KAFKA_PORT", Parser.port(), 9092,
            "`9092`", "`up`",
            "Port of the in-process broker.");

    public static final Setting<Path> DATA_DIR = Setting.of("DSYNC_DATA_DIR", Parser.path(), Path.of(".dsync"),
            "`.dsync`", "`up`, `simulate`, `reconcile`",
            "Where `./dsync up` keeps its data and generated secrets.");

    public static final Setting<String> JAVA_OPTS = Setting.of("DSYNC_JAVA_OPTS", Parser.string(), "-Xms1g -Xmx1g -XX:G1HeapRegionSize=4m",
            "`-Xms1g -Xmx1g -XX:G1HeapRegionSize=4m`", "`./dsync`",
            "JVM options for `up`, `simulate`, `reconcile`, `bench`. The 4 MiB G1 regions keep Kafka's network buffers (fetch responses and produce requests of 512 KiB and more) from being humongous objects, each of which started a concurrent collection and its pauses (README, Benchmarks).");

    /** Every declaration, in README's order. */
    public static final List<Declaration> ALL = List.of(WEBHOOK_SECRET, WORKOS_API_KEY, WORKOS_API_URL, EVENTS_API, RECONCILE_INTERVAL, EVENTS_POLL_INTERVAL, WORKOS_MAX_RPS, EVENTS_START_AT, WORKOS_CURSOR_TOPIC, KAFKA_BOOTSTRAP_SERVERS, GATEWAY_PORT, GATEWAY_HOST, GATEWAY_MAX_BODY_BYTES, GATEWAY_TOLERANCE_SECONDS, GATEWAY_ACK_TIMEOUT_MS, GATEWAY_MAX_IN_FLIGHT, GATEWAY_RETRY_AFTER_SECONDS, EVENTS_TOPIC, OTHER_EVENTS_TOPIC, TOPIC_PARTITIONS, TOPIC_REPLICATION_FACTOR, INACTIVE_USERS, PROVISIONING, PROVISIONING_RETENTION, TOMBSTONE_RETENTION, TOMBSTONE_PURGE_INTERVAL, APPLICATION_ID, STATE_DIR, PROCESSING_GUARANTEE, COMMIT_INTERVAL, NUM_STANDBY_REPLICAS, STREAMS, APPLICATION_SERVER, QUERY_HOST, QUERY_PORT, QUERY_TOKEN, QUERY_AUTH, QUERY_MAX_STALE_LAG, QUERY_FORWARD_TIMEOUT, JDBC_URL, JDBC_USER, JDBC_PASSWORD, PG_PORT, CONNECT_PORT, CONNECT_URL, KAFKA_PORT, DATA_DIR, JAVA_OPTS);

    /** What the gateway reads (through Helidon Config, {@link Setting#configKey()}). */
    public static final List<Setting<?>> GATEWAY = List.of(WEBHOOK_SECRET, KAFKA_BOOTSTRAP_SERVERS, GATEWAY_PORT,
            GATEWAY_HOST, GATEWAY_MAX_BODY_BYTES, GATEWAY_TOLERANCE_SECONDS, GATEWAY_ACK_TIMEOUT_MS,
            GATEWAY_MAX_IN_FLIGHT, GATEWAY_RETRY_AFTER_SECONDS, EVENTS_TOPIC, OTHER_EVENTS_TOPIC, TOPIC_PARTITIONS,
            TOPIC_REPLICATION_FACTOR);

    /** What the topology's Kafka Streams client reads ({@code TopologyConfig}). */
    public static final List<Declaration> TOPOLOGY = List.of(KAFKA_BOOTSTRAP_SERVERS, APPLICATION_ID, STATE_DIR,
            INACTIVE_USERS, TOMBSTONE_RETENTION, TOMBSTONE_PURGE_INTERVAL, PROCESSING_GUARANTEE, NUM_STANDBY_REPLICAS,
            APPLICATION_SERVER, COMMIT_INTERVAL, TOPIC_PARTITIONS, STREAMS, EVENTS_TOPIC, PROVISIONING,
            PROVISIONING_RETENTION);

    /** What the query API reads ({@code QueryConfig}). */
    public static final List<Setting<?>> QUERY = List.of(QUERY_HOST, QUERY_PORT, QUERY_TOKEN, QUERY_AUTH,
            APPLICATION_SERVER, QUERY_MAX_STALE_LAG, QUERY_FORWARD_TIMEOUT);

    /** What the WorkOS API source reads ({@code EventsApiConfig}). */
    public static final List<Setting<?>> WORKOS_API = List.of(WORKOS_API_KEY, WORKOS_API_URL, EVENTS_API,
            RECONCILE_INTERVAL, EVENTS_POLL_INTERVAL, WORKOS_MAX_RPS, EVENTS_START_AT, WORKOS_CURSOR_TOPIC,
            KAFKA_BOOTSTRAP_SERVERS, EVENTS_TOPIC, OTHER_EVENTS_TOPIC, TOPIC_PARTITIONS, TOPIC_REPLICATION_FACTOR,
            INACTIVE_USERS);

    /** What {@code ./dsync up} reads itself, beside the components it runs. */
    public static final List<Setting<?>> LAUNCHER = List.of(DATA_DIR, KAFKA_PORT, KAFKA_BOOTSTRAP_SERVERS,
            TOPIC_PARTITIONS, GATEWAY_PORT, QUERY_PORT, QUERY_TOKEN, WEBHOOK_SECRET, STATE_DIR, PG_PORT, CONNECT_PORT,
            JDBC_URL, JDBC_USER, JDBC_PASSWORD);

    /** Read by the {@code ./dsync} script, not by Java. */
    public static final List<Setting<?>> SCRIPT = List.of(JAVA_OPTS);

    /**
     * A new, modifiable copy of {@code env} with {@code values} (variable name to text) added or replacing its own:
     * how a component is given values of its own (tests, benchmarks, {@code ./dsync up}), read and checked as any.
     */
    public static Map<String, String> with(Map<String, String> env, Map<String, String> values) {
        Map<String, String> all = new HashMap<>(env);
        all.putAll(values);
        return all;
    }
}
