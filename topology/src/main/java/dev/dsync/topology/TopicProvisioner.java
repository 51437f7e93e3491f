package dev.dsync.topology;

import dev.dsync.events.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;

/**
 * Creates the topics the topology reads and writes when they are missing, with the contract's configurations
 * ({@link Topics}). Outputs get as many partitions as the input: not needed for correctness (they are keyed by
 * row id), but it spreads the sink's work the same way.
 */
public final class TopicProvisioner {

    private static final long TIMEOUT_SECONDS = 30;

    private TopicProvisioner() {
    }

    public static void ensureTopics(TopologyConfig config) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers()))) {
            Set<String> existing = admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            int partitions = config.topicPartitions();
            String events = config.eventsTopic();
            if (existing.contains(events)) {
                TopicDescription input = admin.describeTopics(List.of(events)).allTopicNames()
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(events);
                partitions = input.partitions().size();
            }
            List<String> wanted = new ArrayList<>(List.of(events, Topics.DEAD_LETTERS));
            wanted.addAll(Topics.CHANGE_LOGS);
            if (config.provisioning()) {
                wanted.add(Topics.PROVISIONING);
            }
            Map<String, String> provisioning = Topics.provisioningConfig(config.provisioningRetention());
            Topics.ensure(admin, wanted, partitions, Optional.empty(),
                    n -> n.equals(Topics.PROVISIONING) ? provisioning : Topics.configFor(n));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot reach Kafka at " + config.bootstrapServers()
                    + " to check the topics", e);
        }
    }
}
