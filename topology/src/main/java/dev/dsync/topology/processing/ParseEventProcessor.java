package dev.dsync.topology.processing;

import static dev.dsync.topology.TopologyMetrics.Counter.DEAD_LETTERED;
import static dev.dsync.topology.TopologyMetrics.Counter.RECEIVED;
import static dev.dsync.topology.TopologyMetrics.Counter.TIME_FROM_RECORD;
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

    private static final Logger LOG = LoggerFactory.getLogger(ParseEventProcessor.class);

    private final String next;
    private final String deadLetters;
    private final TopologyMetrics metrics;
    private ProcessorContext<Object, Object> context;

    public ParseEventProcessor(String next, String deadLetters, TopologyMetrics metrics) {
        this.next = next;
        this.deadLetters = deadLetters;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.increment(RECEIVED);
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        EventInterpreter.Result result = EventInterpreter.interpret(key, record.value(), record.timestamp());
        switch (result) {
            case EventInterpreter.Accepted a -> {
                if (a.event().meta().timeFromRecord()) {
                    metrics.increment(TIME_FROM_RECORD);
                }
                context.forward(new Record<Object, Object>(key, a.event(), a.event().meta().timestampMs()), next);
            }
            case EventInterpreter.Unknown u -> {
                metrics.increment(UNKNOWN_TYPE);
                LOG.debug("skipping event of unknown type {}", u.type());
            }
            case EventInterpreter.Rejected r -> deadLetter(record, r.reason());
        }
    }

    private void deadLetter(Record<byte[], byte[]> record, String reason) {
        metrics.increment(DEAD_LETTERED);
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        headers.add(REASON_HEADER, utf8(reason));
        context.recordMetadata().ifPresent(m -> {
            headers.add(TOPIC_HEADER, utf8(m.topic()));
            headers.add(PARTITION_HEADER, utf8(Integer.toString(m.partition())));
            headers.add(OFFSET_HEADER, utf8(Long.toString(m.offset())));
        });
        LOG.warn("dead-lettering a record: {}", reason);
        context.forward(new Record<Object, Object>(record.key(), record.value(), record.timestamp(), headers),
                deadLetters);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
