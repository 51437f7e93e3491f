package dev.dsync.topology;

import dev.dsync.embedded.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The real {@link TopologyMain} in a JVM of its own, as a supervisor runs it: for tests that kill it or watch it exit. */
final class TopologyProcess {

    private TopologyProcess() {
    }

    /**
     * Starts it against {@code kafka} with {@code env} on top of test defaults: a member that dies leaves the group
     * quickly (6 s session), and the query API listens on a free local port without a token.
     */
    static Process start(EmbeddedKafka kafka, Map<String, String> env, List<String> jvmArgs, Path log)
            throws IOException {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.showDateTime=true"));
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", classpath, TopologyMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> e = pb.environment();
        e.put("DSYNC_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        e.put("DSYNC_STREAMS_CONSUMER_SESSION_TIMEOUT_MS", "6000");
        e.put("DSYNC_STREAMS_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000");
        e.put("DSYNC_QUERY_AUTH", "disabled");
        e.put("DSYNC_QUERY_HOST", "127.0.0.1");
        e.put("DSYNC_QUERY_PORT", Integer.toString(EmbeddedKafka.freePort()));
        e.putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }
}
