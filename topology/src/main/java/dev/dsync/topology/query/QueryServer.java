package dev.dsync.topology.query;

import dev.dsync.observe.Observability;
import dev.dsync.topology.DsyncStreams;
import io.helidon.webserver.WebServer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of one topology instance: the {@code /v1} query API, health, metrics and the OpenAPI document,
 * on one Helidon web server.
 *
 * <p>It can listen before the topology starts, so that a free port can be advertised as the topology's
 * {@code application.server}:
 * <pre>
 *   QueryServer query = QueryServer.start(QueryConfig.fromEnv());          // /v1 answers 503 until attached
 *   DsyncStreams topology = DsyncStreams.start(TopologyConfig.fromEnv(DsyncEnv.with(System.getenv(),
 *           Map.of("DSYNC_APPLICATION_SERVER", query.advertisedAddress()))));
 *   query.attach(topology);
 *   ...
 *   query.close();     // before the topology, so no request reads a closing store
 *   topology.close();
 * </pre>
 * or, when the port is fixed and the topology already runs, {@link #start(DsyncStreams, QueryConfig)}.
 */
public final class QueryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);

    private final QueryConfig config;
    private final Observability observability = new Observability();
    private final QueryMetrics metrics = new QueryMetrics(observability.registry());
    private final AtomicReference<StateRouter> router = new AtomicReference<>();
    private final AtomicReference<DsyncStreams> topology = new AtomicReference<>();
    private final AtomicReference<dev.dsync.workos.EventsApiSource> workosApi = new AtomicReference<>();
    private final WebServer server;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private QueryServer(QueryConfig config) {
        this.config = config;
        this.server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .shutdownGracePeriod(Duration.ofSeconds(5))
                // without it, a response bigger than one write waits for the client's delayed ACK (~40 ms)
                .connectionOptions(o -> o.tcpNoDelay(true))
                .addFeature(observability.feature(QueryHealth.checks(this::streamsState, config.workosApi(),
                        () -> workosApi().map(dev.dsync.workos.EventsApiSource::status))))
                .routing(r -> {
                    DirectoryQueryService queries = new DirectoryQueryService(router::get,
                            () -> router.get() != null && topology.get().isProcessing(), metrics, config,
                            new SyncStatus(this::workosApi));
                    r.addFilter(new BearerAuth(config.authEnabled() ? config.token() : null, metrics))
                            .register(new DocumentsService())
                            .register(queries);
                    queries.errorHandling(r);
                })
                .build();
    }

    /** The registry behind {@code /metrics}, for other components of this process to publish in. */
    public io.micrometer.core.instrument.MeterRegistry meterRegistry() {
        return observability.registry();
    }

    /** Starts listening; the {@code /v1} API answers 503 until {@link #attach} gives it a topology. */
    public static QueryServer start(QueryConfig config) {
        QueryServer s = new QueryServer(config);
        s.server.start();
        // Helidon logs a listener that cannot bind (port taken) and carries on: fail instead of looking started
        if (!s.server.isRunning() || s.port() <= 0) {
            s.close();
            throw new IllegalStateException("the query API cannot listen on " + config.host() + ":" + config.port()
                    + " (is the port in use?)");
        }
        LOG.info("query API listening on {}:{} ({})", config.host(), s.port(), config);
        return s;
    }

    /** Starts listening and serves {@code topology} right away. */
    public static QueryServer start(DsyncStreams topology, QueryConfig config) {
        QueryServer s = start(config);
        try {
            s.attach(topology);
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Serves the state of {@code topology}, whose {@code application.server} should be {@link #advertisedAddress()}. */
    public void attach(DsyncStreams topology) {
        if (!this.topology.compareAndSet(null, topology)) {
            throw new IllegalStateException("a topology is already attached");
        }
        String advertised = topology.config().applicationServer();
        if (advertised != null && !advertised.equals(advertisedAddress())) {
            LOG.info("the topology advertises {} for this query server on port {}", advertised, port());
        }
        observability.bind(new KafkaStreamsMetrics(topology.streams()));
        metrics.bind(topology);
        router.set(new StateRouter(new DirectoryLocator.Kafka(topology, config.forwardTimeout()),
                new LocalState.Kafka(topology.streams(), config),
                new InstanceClient(config.forwardTimeout(), config.authEnabled() ? config.token() : null)));
    }

    /**
     * Serves the WorkOS API source's status ({@code /v1/directories/{id}/sync}, and health when
     * {@link QueryConfig#workosApi()}) and reconciliations.
     */
    public void attachWorkosApi(dev.dsync.workos.EventsApiSource source) {
        workosApi.set(source);
    }

    private java.util.Optional<dev.dsync.workos.EventsApiSource> workosApi() {
        return java.util.Optional.ofNullable(workosApi.get());
    }

    /** The port the server listens on (the configured one, or the one picked for port 0). */
    public int port() {
        return server.port();
    }

    /** {@code host:port} for the topology's {@code application.server}: DSYNC_APPLICATION_SERVER, or 127.0.0.1. */
    public String advertisedAddress() {
        return config.applicationServerFor(port());
    }

    private KafkaStreams.State streamsState() {
        DsyncStreams t = topology.get();
        return t == null ? null : t.streams().state();
    }

    /** Stops serving (in-flight requests get a short grace period); the topology is left running. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop();
        StateRouter r = router.getAndSet(null);
        if (r != null) {
            r.close();
        }
        observability.close();
    }
}
