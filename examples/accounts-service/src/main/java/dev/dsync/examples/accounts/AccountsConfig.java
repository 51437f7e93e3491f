package dev.dsync.examples.accounts;

import dev.dsync.client.DsyncTopics;
import java.util.Map;

/**
 * Where the service reads and writes. The accounts tables may live in dsync's own database (their own schema,
 * {@code accounts}) or anywhere else: {@code ACCOUNTS_JDBC_*} wins over {@code DSYNC_JDBC_*}.
 */
public record AccountsConfig(String bootstrapServers, String groupId, String topic, String jdbcUrl, String jdbcUser,
                             String jdbcPassword) {

    public static AccountsConfig fromEnv(Map<String, String> env) {
        return new AccountsConfig(
                first(env, "127.0.0.1:9092", "DSYNC_KAFKA_BOOTSTRAP_SERVERS"),
                first(env, "accounts-service", "ACCOUNTS_GROUP_ID"),
                first(env, DsyncTopics.PROVISIONING, "DSYNC_PROVISIONING_TOPIC"),
                first(env, "jdbc:postgresql://127.0.0.1:15432/dsync", "ACCOUNTS_JDBC_URL", "DSYNC_JDBC_URL"),
                first(env, "dsync", "ACCOUNTS_JDBC_USER", "DSYNC_JDBC_USER"),
                first(env, "dsync", "ACCOUNTS_JDBC_PASSWORD", "DSYNC_JDBC_PASSWORD"));
    }

    public AccountsConfig withGroupId(String groupId) {
        return new AccountsConfig(bootstrapServers, groupId, topic, jdbcUrl, jdbcUser, jdbcPassword);
    }

    private static String first(Map<String, String> env, String fallback, String... names) {
        for (String name : names) {
            String value = env.get(name);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return fallback;
    }

    @Override
    public String toString() {
        // never the password: this is logged at start-up
        return "kafka " + bootstrapServers + ", topic " + topic + ", group " + groupId + ", database " + jdbcUrl;
    }
}
