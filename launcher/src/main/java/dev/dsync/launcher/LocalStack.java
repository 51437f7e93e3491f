package dev.dsync.launcher;

import dev.dsync.connect.JdbcTarget;
import dev.dsync.connect.SinkSupervisor;
import dev.dsync.embedded.ConnectWorker;
import dev.dsync.embedded.EmbeddedKafka;
import dev.dsync.embedded.PostgresMirror;
import dev.dsync.events.Topics;
import dev.dsync.events.config.DsyncEnv;
import dev.dsync.gateway.Gateway;
import dev.dsync.gateway.GatewayConfig;
import dev.dsync.topology.DsyncStreams;
import dev.dsync.topology.TopologyConfig;
import dev.dsync.topology.query.QueryConfig;
import dev.dsync.topology.query.QueryServer;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Everything {@code ./dsync up} runs, in one JVM: an in-process KRaft broker (unless
 * {@code DSYNC_KAFKA_BOOTSTRAP_SERVERS} points at a cluster), the topics, PostgreSQL with the Connect worker that
 * mirrors into it with the {@link SinkSupervisor} that restarts its failed sinks, the topology, and the gateway.
 * Components are closed in the reverse order of their start.
 */
final class LocalStack implements AutoCloseable {

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private final List<String> summary = new ArrayList<>();
    private int gatewayPort;
    private String webhookSecret;
    private String queryToken;
    private int queryPort;
    private DsyncStreams topology;
    private EmbeddedKafka embeddedKafka;

    /** Completes when the topology stops: ERROR after a failure it did not recover from. */
    java.util.concurrent.CompletableFuture<org.apache.kafka.streams.KafkaStreams.State> topologyStopped() {
        return topology.stopped();
    }
    private SinkSupervisor sinkSupervisor;

    static LocalStack start(LocalSettings settings, PrintStream out) throws IOException {
        LocalStack stack = new LocalStack();
        try {
            stack.startAll(settings, out);
        } catch (RuntimeException | IOException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    private void startAll(LocalSettings settings, PrintStream out) throws IOException {
        String bootstrap = settings.externalKafka();
        if (bootstrap == null) {
            out.println("Starting Kafka (KRaft, in-process) on 127.0.0.1:" + settings.kafkaPort() + " ...");
            EmbeddedKafka kafka = new EmbeddedKafka(settings.dataDir().resolve("kafka"), settings.kafkaPort()).start();
            started.push(kafka);
            embeddedKafka = kafka;
            bootstrap = kafka.bootstrapServers();
            summary.add(row("Kafka bootstrap", bootstrap + "  (data in " + settings.dataDir().resolve("kafka") + ")"));
        } else {
            summary.add(row("Kafka bootstrap", bootstrap + "  (external, DSYNC_KAFKA_BOOTSTRAP_SERVERS)"));
        }
        createTopics(bootstrap, settings.topicPartitions());

        out.println("Starting PostgreSQL and Kafka Connect (Debezium JDBC sink) ...");
        PostgresMirror mirror = PostgresMirror.start(new PostgresMirror.Settings(bootstrap, settings.dataDir(),
                settings.externalDatabase(), settings.postgresPort(), settings.connectPort()));
        started.push(mirror);
        summary.add(row("PostgreSQL", mirror.psqlCommand() + (mirror.localPostgres().isPresent()
                ? "  (embedded, data in " + settings.dataDir().resolve("postgres") + ")" : "  (DSYNC_JDBC_URL)")));
        summary.add(row("Kafka Connect", "http://127.0.0.1:" + mirror.worker().restPort() + "/connectors"));
        // after the connectors are registered, and closed before the worker (the stack closes in reverse order)
        sinkSupervisor = SinkSupervisor.start(SinkSupervisor.Settings.defaults(mirror.worker().restUrl(),
                ConnectWorker.dsyncConnectorNames()));
        started.push(sinkSupervisor);
        summary.add(row("Sink supervisor", "restarts failed sink connectors (backoff 1 s doubling to 60 s); "
                + "failures, restarts and recoveries are logged here"));

        out.println("Starting the topology (Kafka Streams) and its query API ...");
        LocalSecrets token = LocalSecrets.resolve(DsyncEnv.QUERY_TOKEN.get(settings.env()),
                settings.dataDir().resolve("query-token"), "dsq_local_");
        queryToken = token.value();
        QueryConfig queryConfig = QueryConfig.fromEnv(DsyncEnv.with(settings.env(), Map.of(
                DsyncEnv.QUERY_TOKEN.name(), token.value(),
                DsyncEnv.QUERY_PORT.name(), String.valueOf(settings.queryPort()))));
        QueryServer query = QueryServer.start(queryConfig);
        started.push(query);
        Map<String, String> topologyEnv = DsyncEnv.with(settings.env(),
                Map.of(DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.name(), bootstrap));
        if (!DsyncEnv.STATE_DIR.isSet(topologyEnv)) {
            topologyEnv.put(DsyncEnv.STATE_DIR.name(), settings.dataDir().resolve("state").toString());
        }
        if (!DsyncEnv.APPLICATION_SERVER.isSet(topologyEnv)) {
            topologyEnv.put(DsyncEnv.APPLICATION_SERVER.name(), query.advertisedAddress());
        }
        TopologyConfig topologyConfig = TopologyConfig.fromEnv(topologyEnv);
        DsyncStreams topology = DsyncStreams.start(topologyConfig);
        started.push(topology);
        this.topology = topology;
        query.attach(topology);
        try {
            topology.awaitRunning(java.time.Duration.ofSeconds(120));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("the topology did not reach RUNNING within 120 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        // With WORKOS_API_KEY set, events missed by webhooks arrive through WorkOS's Events API as well.
        var eventsApi = dev.dsync.workos.EventsApiSource.startFromEnv(settings.env(), bootstrap,
                query.meterRegistry());
        if (eventsApi.isPresent()) {
            started.push(eventsApi.get());
            query.attachWorkosApi(eventsApi.get());
            summary.add(row("WorkOS API", eventsApi.get().client().settings().baseUrl()
                    + ": bootstrap, Events API, reconciliation (cursor in dsync.workos.cursor; drift in "
                    + "dsync.reconciliations)"));
        }
        summary.add(row("Topology", topologyConfig.applicationId() + ", inactive users: "
                + topologyConfig.inactiveUsers().name().toLowerCase(java.util.Locale.ROOT)
                + "  (state in " + topologyConfig.stateDir() + ")"));
        String queryBase = "http://127.0.0.1:" + query.port();
        queryPort = query.port();
        summary.add(row("Query API", queryBase + "/v1   health: " + queryBase + "/health/ready   metrics: "
                + queryBase + "/metrics"));
        summary.add(row("Query token", !queryConfig.authEnabled() ? "none (DSYNC_QUERY_AUTH=disabled)"
                : token.generated() ? token.value() + "  (generated; kept in " + token.file() + ")"
                : "from DSYNC_QUERY_TOKEN"));
        summary.add(row("Try", "curl -s -H \"Authorization: Bearer " + (token.generated() ? token.value() : "$DSYNC_QUERY_TOKEN")
                + "\" " + queryBase + "/v1/directories"));

        LocalSecrets secret = LocalSecrets.resolve(DsyncEnv.WEBHOOK_SECRET.text(settings.env()).orElse(null),
                settings.dataDir().resolve("webhook-secret"), "whsec_local_");
        webhookSecret = secret.value().split(",")[0].trim();
        GatewayConfig gatewayConfig = GatewayConfig.from(configWith(Map.of(
                "workos.webhook.secret", secret.value(),
                "dsync.gateway.port", String.valueOf(settings.gatewayPort()),
                "dsync.kafka.bootstrap.servers", bootstrap)));
        out.println("Starting the gateway on port " + gatewayConfig.port() + " ...");
        Gateway gateway = Gateway.start(gatewayConfig);
        started.push(gateway);
        gatewayPort = gateway.port();
        String gatewayBase = "http://127.0.0.1:" + gateway.port();
        summary.add(row("Webhook endpoint", "POST " + gatewayBase + "/webhooks/workos"));
        summary.add(row("Webhook secret", secret.generated()
                ? secret.value() + "  (generated; kept in " + secret.file() + ")"
                : "from WORKOS_WEBHOOK_SECRET"));
        summary.add(row("Gateway health", gatewayBase + "/health/ready   metrics: " + gatewayBase + "/metrics"));
    }

    /** Application config with {@code overrides} taking precedence over environment variables and defaults. */
    static Config configWith(Map<String, String> overrides) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(List.of(ConfigSources.create(overrides),
                        ConfigSources.systemProperties(),
                        ConfigSources.environmentVariables(),
                        ConfigSources.classpath("application.yaml")))
                .build();
    }

    private static void createTopics(String bootstrap, int partitions) {
        List<String> all = new ArrayList<>(Topics.INPUTS);
        all.addAll(Topics.CHANGE_LOGS);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            Topics.ensure(admin, all, partitions, Optional.of((short) 1));
        }
    }

    private static String row(String name, String value) {
        return String.format("  %-18s %s", name, value);
    }

    List<String> summary() {
        return summary;
    }

    int gatewayPort() {
        return gatewayPort;
    }

    String webhookSecret() {
        return webhookSecret;
    }

    String queryToken() {
        return queryToken;
    }

    int queryPort() {
        return queryPort;
    }

    /** The in-process broker, or empty when {@code DSYNC_KAFKA_BOOTSTRAP_SERVERS} names an external one. */
    Optional<EmbeddedKafka> embeddedKafka() {
        return Optional.ofNullable(embeddedKafka);
    }

    /** Which sink connectors run, which failed and since when, and how often each was restarted. */
    List<SinkSupervisor.SinkHealth> sinkHealth() {
        return sinkSupervisor.health();
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("dsync: error while stopping: " + e);
            }
        }
    }

    /**
     * Where the local stack keeps its data and which ports it uses; {@link #fromEnvironment} reads the contract's
     * environment variables, tests pass free ports.
     */
    record LocalSettings(Path dataDir, int kafkaPort, String externalKafka, int topicPartitions, int gatewayPort,
                         int queryPort, int postgresPort, int connectPort, Optional<JdbcTarget> externalDatabase,
                         Map<String, String> env) {

        static LocalSettings fromEnvironment(Path dataDir) {
            return fromEnvironment(dataDir, System.getenv());
        }

        /** {@link DsyncEnv#LAUNCHER}'s ports and Kafka from {@code env}; a bad value names its variable. */
        static LocalSettings fromEnvironment(Path dataDir, Map<String, String> env) {
            return new LocalSettings(dataDir,
                    DsyncEnv.KAFKA_PORT.get(env),
                    DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.optional(env).orElse(null),
                    DsyncEnv.TOPIC_PARTITIONS.get(env),
                    DsyncEnv.GATEWAY_PORT.get(env),
                    DsyncEnv.QUERY_PORT.get(env),
                    DsyncEnv.PG_PORT.get(env),
                    DsyncEnv.CONNECT_PORT.get(env),
                    JdbcTarget.fromEnvironment(env),
                    env);
        }

        /** Everything on free ports under {@code dataDir}, nothing taken from the environment: for tests. */
        static LocalSettings isolated(Path dataDir, Map<String, String> env) {
            // the gateway and the query API bind port 0 and report the port they got: a port found free and bound
            // later can be taken in between (it happened to a gateway in a full test run)
            return new LocalSettings(dataDir, EmbeddedKafka.freePort(), null, 3, 0,
                    0, EmbeddedKafka.freePort(), EmbeddedKafka.freePort(), Optional.empty(), env);
        }
    }
}
