package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.DEAD_LETTERED;
import static dev.dsync.topology.TopologyMetrics.Counter.RECEIVED;
import static dev.dsync.topology.TopologyMetrics.Counter.UNKNOWN_TYPE;

import dev.dsync.topology.TopologyMetrics;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Interprets raw records: usable events go on to {@code next}, unknown types are counted and dropped, anything
 * else goes to the dead-letter sink with its original key, value and headers plus the reason and its origin.
 */
public final class ParseEventProcessor implements Processor<byte[], byte[], Object, Object> {

    public static final String REASON_HEADER = "dsync.dlq.reason";
    public static final String TOPIC_HEADER = "dsync.dlq.source.topic";
    public static final String PARTITION_HEADER = "dsync.dlq.source.partition";
    public static final String OFFSET_HEADER = "dsync.dlq.source.offset";
    /** Present on a dead letter whose value was cut to fit the topic: the original value's length in bytes. */
    public static final String TRUNCATED_HEADER = "dsync.dlq.truncated.from";
    /** How much of an oversized value a dead letter keeps: enough to see what it was. */
    public static final int TRUNCATED_VALUE_BYTES = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ParseEventProcessor.class);

    private final String next;
    private final String deadLetters;
    private final TopologyMetrics metrics;
    private final IdleCommit idleCommit = new IdleCommit();
    private ProcessorContext<Object, Object> context;

    public ParseEventProcessor(String next, String deadLetters, TopologyMetrics metrics) {
        this.next = next;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        idleCommit.schedule(context);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.increment(RECEIVED);
        idleCommit.recordSeen();
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        EventInterpreter.Result result = EventInterpreter.interpret(key, record.value());
        switch (result) {
            case EventInterpreter.Accepted a ->
                    // the input's headers go along: they say where the event came from (dsync-source)
                    context.forward(new Record<Object, Object>(key, a.event(), outputTimestamp(record),
                            record.headers()), next);
            case EventInterpreter.Unknown u -> {
                metrics.increment(UNKNOWN_TYPE);
                LOG.debug("skipping event of unknown type {}", u.type());
            }
            case EventInterpreter.Rejected r -> deadLetter(record, r.reason());
        }
    }

    /**
     * The timestamp of every record an event leads to (change-logs and store changelogs alike): the input record's
     * own, which the gateway set when it received the webhook, never later than now. The event time stays in the
     * values; as a record timestamp, one future-dated event would be refused by the broker
     * ({@code message.timestamp.after.max.ms}) and stop the stream thread.
     */
    private long outputTimestamp(Record<byte[], byte[]> record) {
        return Math.min(Math.max(record.timestamp(), 0L), context.currentSystemTimeMs());
    }

    private void deadLetter(Record<byte[], byte[]> record, String reason) {
        metrics.deadLettered(reason);
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(REASON_HEADER, utf8(reason));
        context.recordMetadata().ifPresent(m -> {
            headers.add(TOPIC_HEADER, utf8(m.topic()));
            headers.add(PARTITION_HEADER, utf8(Integer.toString(m.partition())));
            headers.add(OFFSET_HEADER, utf8(Long.toString(m.offset())));
        });
        byte[] value = fitDeadLetter(record.key(), record.value(), headers);
        LOG.warn("dead-lettering a record: {}", reason);
        context.forward(new Record<Object, Object>(record.key(), value, outputTimestamp(record), headers),
                deadLetters);
    }

    /** The value, cut (and marked) when the dead letter would not fit the dead-letter topic. */
    public static byte[] fitDeadLetter(byte[] key, byte[] value, RecordHeaders headers) {
        if (value == null) {
            return null;
        }
        long size = value.length + (key == null ? 0 : key.length) + 1024L;
        for (var h : headers) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length) + 16;
        }
        return size <= dev.dsync.events.Topics.MAX_INPUT_BYTES ? value : truncated(value, headers);
    }

    /** The first {@link #TRUNCATED_VALUE_BYTES} of {@code value}, its full length recorded in {@code headers}. */
    public static byte[] truncated(byte[] value, org.apache.kafka.common.header.Headers headers) {
        headers.add(TRUNCATED_HEADER, utf8(Integer.toString(value.length)));
        return java.util.Arrays.copyOf(value, Math.min(value.length, TRUNCATED_VALUE_BYTES));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
