package dev.dsync.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.events.Topics;
import dev.dsync.topology.processing.ParseEventProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.processor.TaskId;
import org.junit.jupiter.api.Test;

/** The decisions taken when a write or a stream thread fails: never a silent drop of valid data. */
class FailureHandlingTest {

    record Context(String topic, int partition, long offset) implements ErrorHandlerContext {
        public Headers headers() {
            return new RecordHeaders();
        }

        public String processorNodeId() {
            return DsyncTopology.PARSE;
        }

        public TaskId taskId() {
            return new TaskId(0, partition);
        }

        public long timestamp() {
            return 0;
        }

        public byte[] sourceRawKey() {
            return null;
        }

        public byte[] sourceRawValue() {
            return null;
        }
    }

    private final TopologyMetrics metrics = new TopologyMetrics();
    private final ProductionErrors handler = configured();

    private ProductionErrors configured() {
        ProductionErrors h = new ProductionErrors();
        h.configure(Map.of(ProductionErrors.METRICS_CONFIG, metrics));
        return h;
    }

    @Test
    void anOversizedDeadLetterIsWrittenTruncatedWithItsOrigin() {
        byte[] value = new byte[3 * 1024 * 1024];
        ProducerRecord<byte[], byte[]> dlq = new ProducerRecord<>(Topics.DEAD_LETTERS, 1, 5L,
                "directory_1".getBytes(StandardCharsets.UTF_8), value);
        var response = handler.handleError(new Context(Topics.EVENTS, 2, 77), dlq,
                new RecordTooLargeException("too large"));

        assertThat(response.result()).isEqualTo(ProductionExceptionHandler.Result.RESUME);
        assertThat(response.deadLetterQueueRecords()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo(Topics.DEAD_LETTERS);
            assertThat(r.value()).hasSize(ParseEventProcessor.TRUNCATED_VALUE_BYTES);
            assertThat(header(r, ParseEventProcessor.TRUNCATED_HEADER)).isEqualTo(String.valueOf(value.length));
            assertThat(header(r, ParseEventProcessor.TOPIC_HEADER)).isEqualTo(Topics.EVENTS);
            assertThat(header(r, ParseEventProcessor.PARTITION_HEADER)).isEqualTo("2");
            assertThat(header(r, ParseEventProcessor.OFFSET_HEADER)).isEqualTo("77");
        });
        assertThat(metrics.get(TopologyMetrics.Counter.PRODUCTION_ERRORS)).isEqualTo(1);
    }

    @Test
    void aChangeLogRecordIsNeverDropped() {
        for (String topic : Topics.CHANGE_LOGS) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, new byte[] {1}, new byte[2_000_000]);
            assertThat(handler.handleError(new Context(Topics.EVENTS, 0, 1), r,
                    new RecordTooLargeException("too large")).result())
                    .as(topic).isEqualTo(ProductionExceptionHandler.Result.FAIL);
            assertThat(handler.handleError(new Context(Topics.EVENTS, 0, 1), r,
                    new InvalidTimestampException("future")).result())
                    .as(topic).isEqualTo(ProductionExceptionHandler.Result.FAIL);
        }
        assertThat(handler.handleError(new Context(Topics.EVENTS, 0, 1),
                new ProducerRecord<>(Topics.USERS, new byte[] {1}, new byte[] {2}),
                new NotLeaderOrFollowerException("moving")).result())
                .isEqualTo(ProductionExceptionHandler.Result.RETRY);
    }

    @Test
    void aDeadLetterThatFitsIsKeptWhole() {
        RecordHeaders headers = new RecordHeaders();
        headers.add(ParseEventProcessor.REASON_HEADER, "malformed_json".getBytes(StandardCharsets.UTF_8));
        byte[] small = new byte[1024 * 1024];
        assertThat(ParseEventProcessor.fitDeadLetter(new byte[8], small, headers)).isSameAs(small);
        assertThat(headers.lastHeader(ParseEventProcessor.TRUNCATED_HEADER)).isNull();

        byte[] large = new byte[Topics.MAX_INPUT_BYTES];
        assertThat(ParseEventProcessor.fitDeadLetter(new byte[8], large, headers))
                .hasSize(ParseEventProcessor.TRUNCATED_VALUE_BYTES);
        assertThat(new String(headers.lastHeader(ParseEventProcessor.TRUNCATED_HEADER).value(),
                StandardCharsets.UTF_8)).isEqualTo(String.valueOf(large.length));
    }

    @Test
    void aFailingThreadIsReplacedAFewTimesThenTheClientShutsDown() {
        AtomicLong now = new AtomicLong(1_000_000);
        var failures = new DsyncStreams.ThreadFailures(3, Duration.ofMinutes(10), now::get);
        RuntimeException boom = new IllegalStateException("boom");
        assertThat(failures.decide(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.decide(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.decide(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(failures.decide(boom)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        // failures spread out over time are each worth a new thread
        now.addAndGet(Duration.ofMinutes(11).toMillis());
        assertThat(failures.decide(boom)).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
    }

    private static String header(ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
