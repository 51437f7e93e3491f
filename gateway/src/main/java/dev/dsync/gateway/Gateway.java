package dev.dsync.gateway;

import dev.dsync.events.Topics;
import dev.dsync.events.signature.SignatureVerifier;
import dev.dsync.gateway.ingest.EventPublisher;
import dev.dsync.gateway.ingest.WebhookService;
import dev.dsync.gateway.operations.GatewayMetrics;
import dev.dsync.gateway.operations.KafkaHealth;
import dev.dsync.observe.Observability;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.WebServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/** The running gateway: web server, Kafka producer and health checks, started and stopped together. */
public final class Gateway implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

    private final GatewayConfig config;
    private final EventPublisher publisher;
    private final KafkaHealth health;
    private final Observability observability = new Observability();
    private final WebServer server;

    private Gateway(GatewayConfig config) {
        this.config = config;
        GatewayMetrics metrics = new GatewayMetrics(observability.registry());
        SignatureVerifier verifier = new SignatureVerifier(config.secrets(), config.signatureTolerance(), Clock.systemUTC());
        this.publisher = new EventPublisher(config, observability);
        this.health = new KafkaHealth(config.bootstrapServers(), Duration.ofSeconds(2));
        this.server = WebServer.builder()
                .host(config.host())
                .port(config.port())
                .shutdownGracePeriod(Duration.ofSeconds(15))
                // live always; ready only while Kafka is reachable
                .addFeature(observability.feature(List.of(Observability.check("kafka", HealthCheckType.READINESS,
                        () -> HealthCheckResponse.builder().status(health.reachable()).build()))))
                .routing(r -> r.register(new WebhookService(config, verifier, publisher, metrics)))
                .build();
    }

    /**
     * Starts the gateway. Missing input topics are created in the background, so that the gateway serves (live,
     * not ready, 503 to webhooks) while Kafka is still unreachable.
     */
    public static Gateway start(GatewayConfig config) {
        Gateway gateway = new Gateway(config);
        gateway.server.start();
        // Helidon logs a listener that cannot bind (port taken) and carries on; a gateway that is not listening
        // must not look started
        if (!gateway.server.isRunning() || gateway.port() <= 0) {
            gateway.close();
            throw new IllegalStateException("the gateway cannot listen on " + config.host() + ":" + config.port()
                    + " (is the port in use?)");
        }
        Thread.ofVirtual().name("ensure-topics").start(() -> ensureTopics(config));
        LOG.log(System.Logger.Level.INFO, "dsync gateway listening on {0}:{1} ({2})", config.host(),
                String.valueOf(gateway.port()), config);
        return gateway;
    }

    private static void ensureTopics(GatewayConfig config) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000))) {
            Topics.ensure(admin, List.of(config.eventsTopic(), config.otherEventsTopic()), config.topicPartitions(),
                    java.util.Optional.of(config.topicReplicationFactor()));
        } catch (RuntimeException e) {
            // Kafka may come up after the gateway; readiness reports it, and webhooks get 503 until then.
            LOG.log(System.Logger.Level.WARNING, "Could not check the input topics: {0}", e.getMessage());
        }
    }

    public int port() {
        return server.port();
    }

    /** Stops accepting requests, lets in-flight ones finish, then flushes the producer. */
    @Override
    public void close() {
        server.stop();
        publisher.close();
        health.close();
        observability.close();
    }
}
