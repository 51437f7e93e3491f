package dev.dsync.gateway.ingest;

import dev.dsync.gateway.GatewayConfig;
import dev.dsync.observe.Observability;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes accepted webhooks to Kafka. The producer is idempotent with {@code acks=all}, so an acknowledged event
 * is on every in-sync replica, and a retry inside the producer never writes it twice. The producer's client
 * metrics are on the gateway's {@code /metrics}.
 *
 * <p>A webhook waits for its acknowledgement no longer than the ack timeout. One timer fails every overdue wait,
 * instead of each request waiting with a timeout of its own: a timed wait on a virtual thread schedules and cancels a
 * task on the scheduler's timer thread and wakes it, which took a tenth of the request threads' time and kept the timer
 * thread busy besides (README, Benchmarks).
 */
public final class EventPublisher implements AutoCloseable {

    /** How often overdue acknowledgements are failed: a wait ends at most this much after its deadline. */
    private static final long DEADLINE_CHECK_MILLIS = 10;

    /** A send still waiting for the broker, and when it stops waiting. */
    private record Pending(long deadlineNanos, CompletableFuture<RecordMetadata> acknowledged) {
    }

    private final Producer<String, byte[]> producer;
    private final long ackTimeoutNanos;
    /** In the order sent, so in deadline order too: every wait has the same timeout. */
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("dsync-gateway-ack-deadlines").daemon().factory());

    public EventPublisher(GatewayConfig config, Observability observability) {
        this(new KafkaProducer<>(producerProperties(config)), config.ackTimeout());
        observability.bindKafkaProducer(producer);
    }

    EventPublisher(Producer<String, byte[]> producer, Duration ackTimeout) {
        this.producer = producer;
        this.ackTimeoutNanos = ackTimeout.toNanos();
        deadlines.scheduleWithFixedDelay(this::failOverdue, DEADLINE_CHECK_MILLIS, DEADLINE_CHECK_MILLIS,
                TimeUnit.MILLISECONDS);
    }

    private static Map<String, Object> producerProperties(GatewayConfig config) {
        long ackMillis = config.ackTimeout().toMillis();
        long requestTimeout = Math.max(1000, Math.min(5000, ackMillis / 2));
        // A webhook waits for its acknowledgement: send at once; records that arrive meanwhile batch anyway. 0, 1 and
        // 3 ms measured (README, Benchmarks): 0 gave the gateway alone and the whole stack their best peaks.
        int linger = 0;
        return Map.ofEntries(
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
    }

    /**
     * Completes when the broker has acknowledged the record; exceptionally when it cannot be stored, or with a
     * {@link TimeoutException} once the ack timeout has passed without an acknowledgement.
     */
    public CompletableFuture<RecordMetadata> publish(ProducerRecord<String, byte[]> record) {
        CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
        pending.add(new Pending(System.nanoTime() + ackTimeoutNanos, acknowledged));
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

    private void failOverdue() {
        long now = System.nanoTime();
        for (Pending head = pending.peek(); head != null; head = pending.peek()) {
            if (!head.acknowledged().isDone() && head.deadlineNanos() - now > 0) {
                return;
            }
            pending.poll();
            if (!head.acknowledged().isDone()) {
                head.acknowledged().completeExceptionally(new TimeoutException("not acknowledged in the ack timeout"));
            }
        }
    }

    @Override
    public void close() {
        producer.flush();
        producer.close(Duration.ofSeconds(10));
        deadlines.shutdownNow();
    }
}
