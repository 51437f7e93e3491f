package dev.dsync.gateway.ingest;

import dev.dsync.gateway.GatewayConfig;
import dev.dsync.observe.Observability;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes accepted webhooks to Kafka. The producer is idempotent with {@code acks=all}, so an acknowledged event
 * is on every in-sync replica, and a retry inside the producer never writes it twice. The producer's client
 * metrics are on the gateway's {@code /metrics}.
 */
public final class EventPublisher implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;

    public EventPublisher(GatewayConfig config, Observability observability) {
        long ackMillis = config.ackTimeout().toMillis();
        long requestTimeout = Math.max(1000, Math.min(5000, ackMillis / 2));
        // A webhook waits for its acknowledgement: send at once; records that arrive meanwhile batch anyway. 0, 1 and
        // 3 ms measured (README, Benchmarks): 0 gave the gateway alone and the whole stack their best peaks.
        int linger = 0;
        Map<String, Object> props = Map.ofEntries(
                Map.entry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()),
                Map.entry(ProducerConfig.CLIENT_ID_CONFIG, "dsync-gateway"),
                Map.entry(ProducerConfig.ACKS_CONFIG, "all"),
                Map.entry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
                Map.entry(ProducerConfig.LINGER_MS_CONFIG, linger),
                // A webhook waits for its acknowledgement; no point in the producer retrying longer than that.
                Map.entry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) requestTimeout),
                Map.entry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(ackMillis, requestTimeout + linger)),
                Map.entry(ProducerConfig.MAX_BLOCK_MS_CONFIG, ackMillis),
                Map.entry(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, config.maxBodyBytes() + 64 * 1024),
                Map.entry(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000),
                Map.entry(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class),
                Map.entry(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
        this.producer = new KafkaProducer<>(props);
        observability.bindKafkaProducer(producer);
    }

    /** Completes when the broker has acknowledged the record, exceptionally when it cannot be stored. */
    public CompletableFuture<RecordMetadata> publish(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
        try {
            producer.send(record, (metadata, error) -> {
                if (error != null) {
                    acknowledged.completeExceptionally(error);
                } else {
                    acknowledged.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            // send() throws directly when metadata is unavailable within max.block.ms (broker down)
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }

    @Override
    public void close() {
        producer.flush();
        producer.close(Duration.ofSeconds(10));
    }
}
