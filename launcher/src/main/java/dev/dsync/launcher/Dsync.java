package dev.dsync.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** The {@code ./dsync} command. */
public final class Dsync {

    private static final String USAGE = """
            usage: ./dsync <command>
              up [--fresh]            start everything on this machine, in the foreground (data in .dsync/)
              simulate [--users N]    drive a running stack like WorkOS would, then check the mirror
              simulate --api [--users N] [--seed S] [--drop F] [--timeout S]
                                      play WorkOS's API too (a fake on WORKOS_API_URL's port, key WORKOS_API_KEY;
                                      start ./dsync up with the same two): bootstrap from the list endpoints,
                                      catch-up through the Events API with a fraction F of webhooks dropped
                                      (default 0.10), reconciliation of changes WorkOS never announced
              reconcile [--directory ID] [--timeout S]
                                      reconcile the mirror with WorkOS's API now and print the drift
              test                    run all tests (handled by the ./dsync script)
              bench gateway [--connections N] [--seconds S] [--runs R]
                                      webhook throughput and latency against a no-op route
              bench mirror [--users N] [--groups N] [--memberships N] [--runs R]
                                      initial-sync burst: first webhook to last row in PostgreSQL
              bench bootstrap [--users N] [--groups N] [--memberships N] [--directories N] [--runs R]
                                      bootstrap from WorkOS's API (a local fake at its rate limits) vs the floor
              bench topology [--users N] [--groups N] [--memberships N] [--runs R]
                                      topology throughput against a pass-through Streams app
              bench query [--runs R] [--lookups N]
                                      query API latency, local and forwarded, and paging 10,000 users
            """;

    private Dsync() {
    }

    public static void main(String[] args) {
        routeJdkLoggingToSlf4j();
        List<String> arguments = Arrays.asList(args);
        String command = arguments.isEmpty() ? "help" : arguments.get(0);
        int status;
        try {
            status = switch (command) {
                case "up" -> up(arguments.subList(1, arguments.size()));
                case "bench" -> bench(arguments.subList(1, arguments.size()));
                case "simulate" -> simulate(arguments.subList(1, arguments.size()));
                case "reconcile" -> ReconcileCommand.run(arguments.subList(1, arguments.size()), System.getenv(),
                        Path.of(System.getenv().getOrDefault("DSYNC_DATA_DIR", ".dsync")).toAbsolutePath(), System.out);
                default -> {
                    System.err.print(USAGE);
                    yield command.equals("help") || command.equals("--help") ? 0 : 2;
                }
            };
        } catch (Exception e) {
            System.err.println("dsync " + command + " failed: " + e.getMessage());
            e.printStackTrace(System.err);
            status = 1;
        }
        // Kafka, Connect and Helidon leave non-daemon threads behind; leave explicitly.
        System.exit(status);
    }

    /**
     * One log format for the whole process: java.util.logging (Helidon's, the PostgreSQL driver's) goes into SLF4J,
     * whose one backend (slf4j-simple, configured by simplelogger.properties) prints every line. System.Logger goes
     * there directly (slf4j-jdk-platform-logging), log4j-api (Kafka's broker, Hibernate) through log4j-to-slf4j.
     */
    static void routeJdkLoggingToSlf4j() {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
    }

    private static int up(List<String> options) throws IOException, InterruptedException {
        for (String option : options) {
            if (!option.equals("--fresh")) {
                System.err.println("dsync up: unknown option " + option);
                System.err.print(USAGE);
                return 2;
            }
        }
        Path dataDir = Path.of(System.getenv().getOrDefault("DSYNC_DATA_DIR", ".dsync")).toAbsolutePath();
        if (options.contains("--fresh")) {
            deleteRecursively(dataDir);
            System.out.println("Removed " + dataDir + " (--fresh)");
        }
        Files.createDirectories(dataDir);
        long started = System.nanoTime();
        LocalStack stack = LocalStack.start(LocalStack.LocalSettings.fromEnvironment(dataDir), System.out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nStopping dsync ...");
            stack.close();
            System.out.println("dsync stopped.");
            stopped.countDown();
        }, "dsync-shutdown"));
        System.out.printf("%ndsync is up after %.1f s:%n", (System.nanoTime() - started) / 1e9);
        stack.summary().forEach(System.out::println);
        System.out.println("\nPress Ctrl-C to stop.");
        System.out.flush();
        var topologyStopped = stack.topologyStopped();
        while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            if (topologyStopped.getNow(null) == org.apache.kafka.streams.KafkaStreams.State.ERROR) {
                // Never a silent half-dead stack: the gateway would go on accepting what nothing processes.
                System.err.println("dsync: the topology stopped after failures it could not recover from; see the log above. Exiting with status 1 so"
                        + " that a supervisor restarts dsync; the events are safe in Kafka.");
                return 1;
            }
        }
        return 0;
    }

    private static int simulate(List<String> options) throws Exception {
        Path dataDir = Path.of(System.getenv().getOrDefault("DSYNC_DATA_DIR", ".dsync")).toAbsolutePath();
        if (options.contains("--api")) {
            dev.dsync.launcher.simulate.ApiSimulator.Options api;
            try {
                api = dev.dsync.launcher.simulate.ApiSimulator.Options.from(options, System.getenv(), dataDir);
            } catch (dev.dsync.launcher.simulate.ApiSimulator.OptionsException e) {
                System.err.println("dsync " + e.getMessage());
                System.err.println("usage: ./dsync simulate --api [--users N] [--seed S] [--drop F] [--timeout S]");
                return 2;
            }
            var result = dev.dsync.launcher.simulate.ApiSimulator.run(api, System.out);
            System.out.println(result.passed() ? "Every phase passed: the mirror matches the WorkOS API."
                    : "Not every phase passed.");
            return result.passed() ? 0 : 1;
        }
        var summary = dev.dsync.launcher.simulate.Simulator.run(
                dev.dsync.launcher.simulate.Simulator.Options.from(options, System.getenv(), dataDir), System.out);
        System.out.println(summary.mismatches().isEmpty() ? "The mirror matches." : "The mirror does NOT match.");
        return summary.mismatches().isEmpty() ? 0 : 1;
    }

    private static int bench(List<String> options) throws Exception {
        String name = options.isEmpty() ? "" : options.get(0);
        String[] rest = options.stream().skip(1).toArray(String[]::new);
        switch (name) {
            case "gateway" -> dev.dsync.launcher.bench.GatewayBenchmark.main(rest);
            case "mirror" -> dev.dsync.launcher.bench.MirrorBenchmark.main(rest);
            case "bootstrap" -> dev.dsync.launcher.bench.BootstrapBenchmark.main(rest);
            default -> {
                System.err.print(USAGE);
                return 2;
            }
        }
        return 0;
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.delete(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
