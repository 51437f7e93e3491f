package dev.dsync.gateway;

import dev.dsync.events.config.DsyncEnv;
import dev.dsync.events.config.Setting;
import io.helidon.config.Config;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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

    /**
     * Reads {@link DsyncEnv#GATEWAY} through Helidon Config: each setting's {@linkplain Setting#configKey() key}
     * ({@code dsync.gateway.port}), which Helidon takes from the environment variable ({@code DSYNC_GATEWAY_PORT}),
     * a system property or {@code application.yaml}, in that order. Values are parsed by the declarations, so an
     * error names the variable and the expected form.
     */
    public static GatewayConfig from(Config config) {
        Map<String, String> values = new HashMap<>();
        for (Setting<?> setting : DsyncEnv.GATEWAY) {
            config.get(setting.configKey()).asString().ifPresent(v -> values.put(setting.name(), v));
        }
        return fromEnv(values);
    }

    /** The gateway's settings from variables named as in {@link DsyncEnv#GATEWAY}; unset ones take their default. */
    public static GatewayConfig fromEnv(Map<String, String> env) {
        return new GatewayConfig(
                DsyncEnv.GATEWAY_HOST.get(env),
                DsyncEnv.GATEWAY_PORT.get(env),
                DsyncEnv.WEBHOOK_SECRET.get(env),
                Duration.ofSeconds(DsyncEnv.GATEWAY_TOLERANCE_SECONDS.get(env)),
                DsyncEnv.GATEWAY_MAX_BODY_BYTES.get(env),
                DsyncEnv.GATEWAY_MAX_IN_FLIGHT.get(env),
                DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.get(env),
                DsyncEnv.EVENTS_TOPIC.get(env),
                DsyncEnv.OTHER_EVENTS_TOPIC.get(env),
                DsyncEnv.TOPIC_PARTITIONS.get(env),
                DsyncEnv.TOPIC_REPLICATION_FACTOR.get(env).shortValue(),
                Duration.ofMillis(DsyncEnv.GATEWAY_ACK_TIMEOUT_MS.get(env)),
                Duration.ofSeconds(DsyncEnv.GATEWAY_RETRY_AFTER_SECONDS.get(env)));
    }

    /** Listens on 127.0.0.1, everything but the secrets and Kafka at its default: for tests and benchmarks. */
    public static GatewayConfig defaults(List<String> secrets, String bootstrapServers, int port) {
        return defaults(secrets, bootstrapServers, port, Map.of());
    }

    /** The same with {@code env}'s variables on top ({@code DSYNC_GATEWAY_MAX_IN_FLIGHT=1}). */
    public static GatewayConfig defaults(List<String> secrets, String bootstrapServers, int port,
                                         Map<String, String> env) {
        return fromEnv(DsyncEnv.with(Map.of(DsyncEnv.WEBHOOK_SECRET.name(), String.join(",", secrets),
                DsyncEnv.KAFKA_BOOTSTRAP_SERVERS.name(), bootstrapServers, DsyncEnv.GATEWAY_HOST.name(), "127.0.0.1",
                DsyncEnv.GATEWAY_PORT.name(), String.valueOf(port)), env));
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
