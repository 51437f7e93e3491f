package dev.dsync.gateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The ack timeout, kept by one timer for every waiting webhook rather than by each wait. */
class EventPublisherTest {

    private static final ProducerRecord<String, byte[]> RECORD =
            new ProducerRecord<>("workos.events", "directory_01", new byte[] {'{', '}'});

    @Test
    void aSendTheBrokerNeverAcknowledgesFailsWithATimeoutAfterTheAckTimeout() throws Exception {
        MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
                new ByteArraySerializer());
        try (EventPublisher publisher = new EventPublisher(producer, Duration.ofMillis(300))) {
            long started = System.nanoTime();
            CompletableFuture<RecordMetadata> acknowledged = publisher.publish(RECORD);

            assertThatThrownBy(() -> acknowledged.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(300),
                    Duration.ofSeconds(5));
        }
    }

    @Test
    void acknowledgedSendsCompleteAndDoNotHoldBackALaterTimeout() throws Exception {
        MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
                new ByteArraySerializer());
        try (EventPublisher publisher = new EventPublisher(producer, Duration.ofMillis(300))) {
            CompletableFuture<RecordMetadata> first = publisher.publish(RECORD);
            CompletableFuture<RecordMetadata> second = publisher.publish(RECORD);
            CompletableFuture<RecordMetadata> third = publisher.publish(RECORD);
            producer.completeNext();
            producer.errorNext(new org.apache.kafka.common.errors.NotEnoughReplicasException("test"));

            assertThat(first.get(1, TimeUnit.SECONDS).topic()).isEqualTo("workos.events");
            assertThatThrownBy(() -> second.get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(
                    org.apache.kafka.common.errors.NotEnoughReplicasException.class);
            assertThatThrownBy(() -> third.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
            // the broker's late answer changes nothing: the webhook has already been told 503
            producer.completeNext();
            assertThat(third).isCompletedExceptionally();
            // an acknowledgement that comes in time is never failed by the timer
            CompletableFuture<RecordMetadata> fourth = publisher.publish(RECORD);
            producer.completeNext();
            Thread.sleep(600);
            assertThat(fourth).isCompletedWithValueMatching(metadata -> metadata.topic().equals("workos.events"));
        }
    }
}
