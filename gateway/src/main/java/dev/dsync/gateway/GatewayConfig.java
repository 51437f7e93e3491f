package dev.dsync.gateway;

import dev.dsync.events.Topics;
import dev.dsync.events.signature.SignatureVerifier;
import io.helidon.config.Config;
import java.time.Duration;
import java.util.List;

/** Everything the gateway needs to run; built from {@code application.yaml} overridden by environment variables. */
public record GatewayConfig(
        String host,
        int port,
        List<String> secrets,
        Duration signatureTolerance,
        int maxBodyBytes,
        int maxInFlight,
        String bootstrapServers,
        String eventsTopic,
        String otherEventsTopic,
        int topicPartitions,
        short topicReplicationFactor,
        Duration ackTimeout,
        Duration retryAfter) {

    public GatewayConfig {
        secrets = List.copyOf(secrets);
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("""
                    No webhook secret configured. Set WORKOS_WEBHOOK_SECRET to the endpoint secret shown in the WorkOS \
                    dashboard (Webhooks > your endpoint); give several, comma-separated, while rotating.""");
        }
        if (maxBodyBytes <= 0 || maxInFlight <= 0 || port < 0) {
            throw new IllegalArgumentException("max body bytes, max in-flight and port must be positive");
        }
    }

    public static GatewayConfig from(Config config) {
        Config dsync = config.get("dsync");
        Config gateway = dsync.get("gateway");
        return new GatewayConfig(
                gateway.get("host").asString().orElse("0.0.0.0"),
                gateway.get("port").asInt().orElse(8080),
                SignatureVerifier.parseSecrets(config.get("workos.webhook.secret").asString().orElse("")),
                Duration.ofSeconds(gateway.get("tolerance.seconds").asLong().orElse(180L)),
                gateway.get("max.body.bytes").asInt().orElse(1024 * 1024),
                gateway.get("max.in.flight").asInt().orElse(256),
                dsync.get("kafka.bootstrap.servers").asString().orElse("127.0.0.1:9092"),
                dsync.get("events.topic").asString().orElse(Topics.EVENTS),
                dsync.get("other.events.topic").asString().orElse(Topics.OTHER_EVENTS),
                dsync.get("topic.partitions").asInt().orElse(3),
                dsync.get("topic.replication.factor").asInt().orElse(1).shortValue(),
                Duration.ofMillis(gateway.get("ack.timeout.ms").asLong().orElse(10_000L)),
                Duration.ofSeconds(gateway.get("retry.after.seconds").asLong().orElse(5L)));
    }

    /** Defaults for everything but the secrets and Kafka, for tests and the local launcher. */
    public static GatewayConfig defaults(List<String> secrets, String bootstrapServers, int port) {
        return new GatewayConfig("127.0.0.1", port, secrets, SignatureVerifier.DEFAULT_TOLERANCE, 1024 * 1024, 256,
                bootstrapServers, Topics.EVENTS, Topics.OTHER_EVENTS, 3, (short) 1, Duration.ofSeconds(10),
                Duration.ofSeconds(5));
    }

    public GatewayConfig withAckTimeout(Duration timeout) {
        return new GatewayConfig(host, port, secrets, signatureTolerance, maxBodyBytes, maxInFlight, bootstrapServers,
                eventsTopic, otherEventsTopic, topicPartitions, topicReplicationFactor, timeout, retryAfter);
    }

    public GatewayConfig withMaxInFlight(int limit) {
        return new GatewayConfig(host, port, secrets, signatureTolerance, maxBodyBytes, limit, bootstrapServers,
                eventsTopic, otherEventsTopic, topicPartitions, topicReplicationFactor, ackTimeout, retryAfter);
    }

    @Override
    public String toString() {
        // never print the secrets
        return "GatewayConfig[host=%s, port=%d, secrets=%d configured, tolerance=%s, maxBodyBytes=%d, maxInFlight=%d, "
                .formatted(host, port, secrets.size(), signatureTolerance, maxBodyBytes, maxInFlight)
                + "bootstrapServers=%s, eventsTopic=%s, otherEventsTopic=%s, ackTimeout=%s]"
                .formatted(bootstrapServers, eventsTopic, otherEventsTopic, ackTimeout);
    }
}
