package dev.dsync.gateway.operations;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Knows whether Kafka is reachable, by asking the cluster for its brokers every {@code interval} in the
 * background, so that a readiness probe never waits on Kafka.
 */
public final class KafkaHealth implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(KafkaHealth.class.getName());

    private final Admin admin;
    private final Duration interval;
    private final Thread poller;
    private volatile boolean reachable;
    private volatile boolean running = true;

    public KafkaHealth(String bootstrapServers, Duration interval) {
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "dsync-gateway-health",
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000));
        this.interval = interval;
        this.poller = Thread.ofVirtual().name("kafka-health").start(this::poll);
    }

    public boolean reachable() {
        return reachable;
    }

    private void poll() {
        while (running) {
            boolean now;
            try {
                now = !admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) interval.toMillis()))
                        .nodes().get(interval.toMillis() * 2, TimeUnit.MILLISECONDS).isEmpty();
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                now = false;
            }
            if (now != reachable) {
                LOG.log(now ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
                        now ? "Kafka is reachable" : "Kafka is not reachable; webhooks will get 503 until it is back");
            }
            reachable = now;
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        poller.interrupt();
        admin.close(Duration.ofSeconds(2));
    }
}
