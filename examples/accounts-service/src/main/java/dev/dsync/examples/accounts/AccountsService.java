package dev.dsync.examples.accounts;

import dev.dsync.client.DsyncSerdes;
import dev.dsync.client.ProvisioningEvent;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes {@code dsync.provisioning} and keeps {@code accounts.*} in step, exactly once per change:
 * <ul>
 *   <li>{@code read_committed}: only changes whose dsync transaction committed (the topology writes with
 *       exactly-once), so nothing is acted on that dsync rolled back;</li>
 *   <li>each polled batch is applied in one database transaction that also records every event id in
 *       {@code processed_events};</li>
 *   <li>offsets are committed to Kafka only after that transaction. A crash between the two redelivers the batch,
 *       and the ids make the second application a no-op; a database failure rolls back and re-reads the batch.</li>
 * </ul>
 * One thread owns the consumer and the connection; {@link #close()} wakes it and waits.
 */
public final class AccountsService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AccountsService.class);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(2);
    private static final Duration PROCESSED_RETENTION = Duration.ofDays(35);

    /** Counts since start: what a health endpoint or metrics would expose. */
    public record Stats(long applied, long duplicates, long ignored, long unreadable) {
        public long seen() {
            return applied + duplicates + ignored + unreadable;
        }
    }

    private final AccountsConfig config;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<ProvisioningEvent> values = DsyncSerdes.provisioningEvent().deserializer();
    private final Thread thread;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();
    private final AtomicLong unreadable = new AtomicLong();
    private volatile boolean closing;
    private volatile boolean failed;
    private Connection connection;

    private AccountsService(AccountsConfig config) {
        this.config = config;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "accounts-service");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // a new group starts with everything the topic still holds (30 days by default)
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // values are parsed in the loop, not by the consumer: an unreadable record is then skipped with its
        // position logged, instead of failing every poll
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "accounts-service");
    }

    /** Creates the tables if needed, subscribes and starts consuming on its own thread. */
    public static AccountsService start(AccountsConfig config) throws SQLException {
        AccountsService service = new AccountsService(config);
        try {
            Connection c = service.connection();
            AccountsStore.migrate(c);
            int pruned = AccountsStore.pruneProcessed(c, PROCESSED_RETENTION);
            LOG.info("accounts service starting: {}; {} old dedupe rows pruned", config, pruned);
        } catch (SQLException | RuntimeException e) {
            service.consumer.close();
            service.closeConnection();
            throw e;
        }
        service.consumer.subscribe(List.of(config.topic()));
        service.thread.start();
        return service;
    }

    public Stats stats() {
        return new Stats(applied.get(), duplicates.get(), ignored.get(), unreadable.get());
    }

    private void run() {
        try {
            while (!closing) {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) {
                    process(records);
                }
            }
        } catch (WakeupException e) {
            if (!closing) {
                throw e;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failed = true;
            LOG.error("accounts service stopped by an unexpected error", e);
        } finally {
            consumer.close();
            closeConnection();
            LOG.info("accounts service stopped: {}", stats());
        }
    }

    private void process(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        long a = 0, d = 0, i = 0, u = 0;
        try {
            Connection c = connection();
            for (ConsumerRecord<String, byte[]> record : records) {
                ProvisioningEvent event = parse(record);
                if (event == null) {
                    u++;
                    continue;
                }
                switch (AccountsStore.apply(c, event)) {
                    case APPLIED -> a++;
                    case DUPLICATE -> d++;
                    case IGNORED -> i++;
                }
            }
            c.commit();
        } catch (SQLException e) {
            LOG.warn("database error, batch rolled back; retrying in {}: {}", RETRY_BACKOFF, e.getMessage());
            closeConnection();
            rewind(records);
            Thread.sleep(RETRY_BACKOFF);
            return;
        }
        applied.addAndGet(a);
        duplicates.addAndGet(d);
        ignored.addAndGet(i);
        unreadable.addAndGet(u);
        commitOffsets(records);
    }

    private ProvisioningEvent parse(ConsumerRecord<String, byte[]> record) {
        try {
            ProvisioningEvent event = values.deserialize(record.topic(), record.value());
            if (event != null && event.id() != null) {
                return event;
            }
            LOG.warn("skipped {}-{}@{}: no provisioning id", record.topic(), record.partition(), record.offset());
        } catch (SerializationException e) {
            // position and reason only: the value holds personal data
            LOG.warn("skipped {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), e.getMessage());
        }
        return null;
    }

    private void commitOffsets(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> part = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(part.get(part.size() - 1).offset() + 1));
        }
        try {
            consumer.commitSync(offsets);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // the partitions moved to another member, which gets these records again: processed_events absorbs them
            LOG.info("offset commit lost to a rebalance; the new owner will skip the {} records as duplicates",
                    records.count());
        }
    }

    /** Back to each partition's first record of the batch, so the rolled-back batch is read again. */
    private void rewind(ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            consumer.seek(tp, records.records(tp).get(0).offset());
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = DriverManager.getConnection(config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword());
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing the database connection failed", e);
            }
            connection = null;
        }
    }

    /**
     * Waits until the service stops, by {@link #close()} or by an error it cannot handle.
     *
     * @return false when it stopped because of an error: its supervisor should restart it (it resumes from its
     *     committed offsets)
     */
    public boolean awaitStopped() throws InterruptedException {
        thread.join();
        return !failed;
    }

    /** Stops after the batch in hand (its offsets committed or not, it is safe either way) and waits. */
    @Override
    public void close() {
        closing = true;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
