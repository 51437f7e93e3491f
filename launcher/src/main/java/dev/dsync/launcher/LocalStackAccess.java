package dev.dsync.launcher;

import dev.dsync.connect.SinkSupervisor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A whole local stack on free ports, for benchmarks and end-to-end tests outside this package. */
public final class LocalStackAccess implements AutoCloseable {

    private final LocalStack stack;
    private final LocalStack.LocalSettings settings;

    private LocalStackAccess(LocalStack stack, LocalStack.LocalSettings settings) {
        this.stack = stack;
        this.settings = settings;
    }

    /** Starts everything under {@code dataDir} on free ports; {@code env} stands in for environment variables. */
    public static LocalStackAccess startIsolated(Path dataDir, Map<String, String> env, PrintStream out) throws IOException {
        LocalStack.LocalSettings settings = LocalStack.LocalSettings.isolated(dataDir, env);
        return new LocalStackAccess(LocalStack.start(settings, out), settings);
    }

    public int gatewayPort() {
        return stack.gatewayPort();
    }

    public String webhookSecret() {
        return stack.webhookSecret();
    }

    public int queryPort() {
        return stack.queryPort();
    }

    public String queryToken() {
        return stack.queryToken();
    }

    /** The sink supervisor's health view: one entry per dsync sink connector. */
    public List<SinkSupervisor.SinkHealth> sinkHealth() {
        return stack.sinkHealth();
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + settings.postgresPort() + "/dsync";
    }

    /** The in-process broker, for fault tests that stop and restart it (same port, same data). */
    public dev.dsync.embedded.EmbeddedKafka embeddedKafka() {
        return stack.embeddedKafka().orElseThrow(() -> new IllegalStateException("Kafka is external"));
    }

    public int connectPort() {
        return settings.connectPort();
    }

    public Path dataDir() {
        return settings.dataDir();
    }

    @Override
    public void close() {
        stack.close();
    }
}
