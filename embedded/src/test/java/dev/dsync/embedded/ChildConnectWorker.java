package dev.dsync.embedded;

import dev.dsync.connect.JdbcTarget;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Runs a {@link ConnectWorker} with the dsync connectors in a JVM of its own, so that a test can kill it with
 * SIGKILL. Arguments: bootstrap servers, data dir, REST port, JDBC URL, user, password.
 */
public final class ChildConnectWorker {

    public static void main(String[] args) throws Exception {
        ConnectWorker worker = new ConnectWorker(args[0], Path.of(args[1]), Integer.parseInt(args[2]))
                .withWorkerProperty("consumer.session.timeout.ms", "6000")
                .withWorkerProperty("consumer.heartbeat.interval.ms", "1000")
                .start();
        worker.registerDsyncConnectors(new JdbcTarget(args[3], args[4], args[5]));
        worker.awaitConnectorsRunning(Duration.ofSeconds(60));
        System.out.println("CHILD-WORKER-RUNNING");
        Thread.currentThread().join();   // until killed
    }

    private ChildConnectWorker() {
    }
}
