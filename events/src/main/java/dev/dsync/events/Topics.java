package dev.dsync.events;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/** The topic names of the external contract and the configuration each needs. */
public final class Topics {

    public static final String EVENTS = "workos.dsync.events";
    public static final String OTHER_EVENTS = "workos.events.other";
    public static final String DEAD_LETTERS = "workos.dsync.events.dlq";

    public static final String DIRECTORIES = "dsync.directories";
    public static final String USERS = "dsync.users";
    public static final String GROUPS = "dsync.groups";
    public static final String MEMBERSHIPS = "dsync.group_memberships";

    /** What changed, in order, with before and after (docs/change-log-format.md). Not compacted. */
    public static final String PROVISIONING = "dsync.provisioning";

    /** Each directory's last reconciliation with WorkOS's API and the drift it found (compacted, key directory id). */
    public static final String RECONCILIATIONS = "dsync.reconciliations";

    public static final List<String> INPUTS = List.of(EVENTS, OTHER_EVENTS, DEAD_LETTERS);
    public static final List<String> CHANGE_LOGS = List.of(DIRECTORIES, USERS, GROUPS, MEMBERSHIPS);

    /** The largest input record (and dead letter): a webhook body may be up to 1 MiB, plus headers. */
    public static final int MAX_INPUT_BYTES = 2 * 1024 * 1024;
    /**
     * The largest record the topology writes to a change-log or to its stores' changelogs, and so its producer's
     * {@code max.request.size}: a value rendered from an input of {@link #MAX_INPUT_BYTES} always fits.
     */
    public static final int MAX_RECORD_BYTES = 4 * 1024 * 1024;

    /** Raw events are the source of truth for replays, so they are kept until an operator decides otherwise. */
    public static final Map<String, String> INPUT_CONFIG = Map.of(
            "retention.ms", "-1",
            // the broker default (~1 MB) would refuse a 1 MiB body with its headers
            "max.message.bytes", String.valueOf(MAX_INPUT_BYTES));

    /**
     * Change-logs hold current state: compacted, and tombstones kept long enough for slow consumers to see them.
     * 30 days is the longest sink (or consumer) outage we claim to survive without missing a delete: the window
     * WorkOS's Events API keeps events for (its documented lower bound).
     */
    public static final Map<String, String> CHANGE_LOG_CONFIG = Map.of(
            "cleanup.policy", "compact",
            "delete.retention.ms", String.valueOf(30L * 24 * 3600 * 1000),
            "min.compaction.lag.ms", "0",
            "max.message.bytes", String.valueOf(MAX_RECORD_BYTES));

    private Topics() {
    }

    public static Map<String, String> configFor(String topic) {
        return CHANGE_LOGS.contains(topic) ? CHANGE_LOG_CONFIG : INPUT_CONFIG;
    }

    /** The provisioning topic: a stream of changes kept for {@code retention}. */
    public static Map<String, String> provisioningConfig(java.time.Duration retention) {
        return Map.of(
                "cleanup.policy", "delete",
                "retention.ms", String.valueOf(retention.toMillis()),
                "max.message.bytes", String.valueOf(MAX_RECORD_BYTES));
    }

    /**
     * Creates those of {@code names} that do not exist yet, with the configuration the contract gives them.
     * Existing topics are left as they are; a concurrent creation by another instance is not an error. An empty
     * replication factor leaves it to the broker's default.
     */
    public static void ensure(Admin admin, Collection<String> names, int partitions, Optional<Short> replicationFactor) {
        ensure(admin, names, partitions, replicationFactor, Topics::configFor);
    }

    /** {@link #ensure(Admin, Collection, int, Optional)} with each topic's configuration from {@code configs}. */
    public static void ensure(Admin admin, Collection<String> names, int partitions, Optional<Short> replicationFactor,
                              java.util.function.Function<String, Map<String, String>> configs) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = names.stream()
                    .filter(n -> !existing.contains(n))
                    .map(n -> new NewTopic(n, Optional.of(partitions), replicationFactor).configs(configs.apply(n)))
                    .toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create topics " + names + ": " + e.getCause().getMessage(),
                        e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("timed out creating topics " + names, e);
        }
    }
}
