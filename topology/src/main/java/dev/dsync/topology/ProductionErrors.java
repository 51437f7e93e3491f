package dev.dsync.topology;

import dev.dsync.events.Topics;
import dev.dsync.topology.processing.ParseEventProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides what happens to an output record the producer could not write.
 *
 * <ul>
 *   <li>A dead letter too large for its topic is written again, cut to {@link ParseEventProcessor#TRUNCATED_VALUE_BYTES}
 *       and marked, with the original's topic, partition and offset: processing goes on and nothing is lost that
 *       the input topic does not still hold.</li>
 *   <li>A retriable error is retried.</li>
 *   <li>Anything else fails the task, loudly. In particular a change-log or store record is never dropped: that
 *       would silently lose valid data. The processors keep such records within the producer's limits (oversized
 *       values are dead-lettered before they are applied), so reaching this is a bug or a misconfigured
 *       cluster, and the thread-failure policy in {@link DsyncStreams} takes over.</li>
 * </ul>
 * Every decision is logged (without record contents) and counted.
 */
public final class ProductionErrors implements ProductionExceptionHandler {

    /** Streams config key under which {@link DsyncStreams} passes the {@link TopologyMetrics} instance. */
    public static final String METRICS_CONFIG = "dsync.topology.metrics";

    private static final Logger LOG = LoggerFactory.getLogger(ProductionErrors.class);

    private TopologyMetrics metrics = new TopologyMetrics();

    @Override
    public void configure(Map<String, ?> configs) {
        if (configs.get(METRICS_CONFIG) instanceof TopologyMetrics m) {
            metrics = m;
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                Exception exception) {
        metrics.increment(TopologyMetrics.Counter.PRODUCTION_ERRORS);
        if (exception instanceof RecordTooLargeException && Topics.DEAD_LETTERS.equals(record.topic())
                && record.value() != null && record.value().length > ParseEventProcessor.TRUNCATED_VALUE_BYTES) {
            LOG.warn("a dead letter from {}-{}@{} is too large for {}; writing it truncated",
                    context.topic(), context.partition(), context.offset(), record.topic());
            return Response.resume(List.of(truncated(context, record)));
        }
        if (exception instanceof RetriableException) {
            LOG.warn("retrying a write to {} after {}", record.topic(), exception.getClass().getSimpleName());
            return Response.retry();
        }
        LOG.error("cannot write a record to {} (input {}-{}@{}): {}; failing the task rather than dropping it",
                record.topic(), context.topic(), context.partition(), context.offset(), exception.toString());
        return Response.fail();
    }

    @Override
    public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
                                             SerializationExceptionOrigin origin) {
        // every sink writes byte arrays, so this is a bug: never skip the record
        metrics.increment(TopologyMetrics.Counter.PRODUCTION_ERRORS);
        LOG.error("cannot serialise a record for {}: {}", record.topic(), exception.toString());
        return Response.fail();
    }

    static ProducerRecord<byte[], byte[]> truncated(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> r) {
        RecordHeaders headers = new RecordHeaders(r.headers().toArray());
        if (headers.lastHeader(ParseEventProcessor.TOPIC_HEADER) == null && context.topic() != null) {
            headers.add(ParseEventProcessor.TOPIC_HEADER, utf8(context.topic()));
            headers.add(ParseEventProcessor.PARTITION_HEADER, utf8(Integer.toString(context.partition())));
            headers.add(ParseEventProcessor.OFFSET_HEADER, utf8(Long.toString(context.offset())));
        }
        headers.remove(ParseEventProcessor.TRUNCATED_HEADER);
        byte[] cut = ParseEventProcessor.truncated(r.value(), headers);
        return new ProducerRecord<>(r.topic(), r.partition(), r.timestamp(), r.key(), cut, headers);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
