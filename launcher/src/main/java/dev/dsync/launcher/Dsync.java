package dev.dsync.launcher;

import dev.dsync.events.config.DsyncEnv;
import dev.dsync.events.config.SettingException;
import dev.dsync.launcher.bench.BootstrapBenchmark;
import dev.dsync.launcher.bench.GatewayBenchmark;
import dev.dsync.launcher.bench.MirrorBenchmark;
import dev.dsync.launcher.bench.QueryBenchmark;
import dev.dsync.launcher.bench.TopologyBenchmark;
import dev.dsync.launcher.simulate.ApiSimulator;
import dev.dsync.launcher.simulate.Simulator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code ./dsync} command: one picocli {@link Command} per subcommand. A usage error (an unknown command,
 * option or parameter, a value that is not a number) prints the error and the usage on stderr and exits with 2;
 * {@code --help} on any command prints its usage on stdout and exits with 0; a command that fails exits with 1.
 * The process always ends with {@link System#exit}: Kafka, Connect and Helidon leave non-daemon threads behind.
 */
@Command(name = "./dsync", sortOptions = false,
        description = "Run the WorkOS Directory Sync mirror on this machine.",
        subcommands = {Dsync.Up.class, Dsync.Simulate.class, Dsync.Reconcile.class, Dsync.Bench.class,
                HelpCommand.class},
        footerHeading = "%n",
        footer = {"./dsync test [--unit] [MAVEN OPTIONS] runs all tests (./mvnw -B verify, in the script);",
                "--unit runs the unit tier only (./mvnw -B test).",
                "./dsync COMMAND --help shows a command's options and their defaults.",
                "DSYNC_DATA_DIR (default .dsync) is where up keeps its data and secrets;",
                "DSYNC_JAVA_OPTS (default -Xms1g -Xmx1g -XX:G1HeapRegionSize=4m) are the JVM options of the ./dsync script."})
public final class Dsync implements Callable<Integer> {

    @Mixin
    HelpOption help;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        routeJdkLoggingToSlf4j();
        // Kafka, Connect and Helidon leave non-daemon threads behind; leave explicitly.
        System.exit(commandLine().execute(args));
    }

    /**
     * One log format for the whole process: java.util.logging (Helidon's, the PostgreSQL driver's) goes into SLF4J,
     * whose one backend (slf4j-simple, configured by simplelogger.properties) prints every line. System.Logger goes
     * there directly (slf4j-jdk-platform-logging), log4j-api (Kafka's broker, Hibernate) through log4j-to-slf4j.
     */
    static void routeJdkLoggingToSlf4j() {
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }

    /**
     * The command line with its handlers: a usage error prints the error, any suggestion and the command's usage on
     * stderr and exits with 2; a failure prints its message and stack trace and exits with 1.
     */
    static CommandLine commandLine() {
        return withHandlers(new CommandLine(new Dsync()));
    }

    /** {@code commandLine} with the usage-error (2), bad-setting (2) and failure (1) handlers. */
    static CommandLine withHandlers(CommandLine commandLine) {
        commandLine.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            PrintWriter err = failed.getErr();
            err.println(failed.getColorScheme().errorText(e.getMessage()));
            UnmatchedArgumentException.printSuggestions(e, err);
            failed.usage(err, failed.getColorScheme());
            err.flush();
            return failed.getCommandSpec().exitCodeOnInvalidInput();
        });
        commandLine.setExecutionExceptionHandler((e, failed, parseResult) -> {
            PrintWriter err = failed.getErr();
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof SettingException bad) {
                    // a variable with a value of the wrong form is a usage error: its name and form, exit 2
                    err.println("dsync: " + bad.getMessage());
                    err.flush();
                    return 2;
                }
            }
            err.println(failed.getCommandSpec().qualifiedName(" ").replaceFirst("^\\./dsync", "dsync") + " failed: "
                    + e.getMessage());
            e.printStackTrace(err);
            err.flush();
            return 1;
        });
        return commandLine;
    }

    /** {@code ./dsync} alone: the usage, as with {@code --help}. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    /** {@code -h}/{@code --help} on every command (picocli's own {@code help} command has its own). */
    static final class HelpOption {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
        boolean help;
    }

    /** The size of the world the bootstrap and topology benchmarks sync: WorkOS's large initial sync. */
    static final class World {
        @Option(names = "--users", paramLabel = "N", defaultValue = "100000",
                description = "Users (default: ${DEFAULT-VALUE}).")
        int users;

        @Option(names = "--groups", paramLabel = "N", defaultValue = "5000",
                description = "Groups (default: ${DEFAULT-VALUE}).")
        int groups;

        @Option(names = "--memberships", paramLabel = "N", defaultValue = "300000",
                description = "Memberships (default: ${DEFAULT-VALUE}).")
        int memberships;

        @Option(names = "--directories", paramLabel = "N", defaultValue = "1",
                description = "Directories to spread them over (default: ${DEFAULT-VALUE}).")
        int directories;
    }

    static Path dataDir() {
        return DsyncEnv.DATA_DIR.get(System.getenv()).toAbsolutePath();
    }

    @Command(name = "up", sortOptions = false,
            description = {"Start everything on this machine, in the foreground, until Ctrl-C: Kafka, Connect, "
                    + "PostgreSQL, the gateway and the topology (data in DSYNC_DATA_DIR, default .dsync/).",
                    "Exits with 1 when the topology stops after failures it cannot recover from."})
    static final class Up implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Option(names = "--fresh", description = "Delete the data directory first.")
        boolean fresh;

        @Override
        public Integer call() throws IOException, InterruptedException {
            Path dataDir = dataDir();
            if (fresh) {
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
            while (!stopped.await(1, TimeUnit.SECONDS)) {
                if (topologyStopped.getNow(null) == KafkaStreams.State.ERROR) {
                    // Never a silent half-dead stack: the gateway would go on accepting what nothing processes.
                    System.err.println("dsync: the topology stopped after failures it could not recover from; see the log above."
                            + " Exiting with status 1 so that a supervisor restarts dsync; the events are safe in Kafka.");
                    return 1;
                }
            }
            return 0;
        }
    }

    @Command(name = "simulate", sortOptions = false,
            description = {"Drive a running stack like WorkOS would (signed webhooks with the sender's faults), then "
                    + "check the query API and PostgreSQL against the expected state.",
                    "With --api, play WorkOS's API too: a fake on WORKOS_API_URL's port with key WORKOS_API_KEY (start "
                    + "./dsync up with the same two); three phases: bootstrap from the list endpoints, catch-up through "
                    + "the Events API with a fraction of webhooks dropped, reconciliation of changes WorkOS never "
                    + "announced.",
                    "Exits with 0 when the mirror matches, 1 when it does not."})
    static final class Simulate implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Option(names = "--api", description = "Play WorkOS's API as well (see above).")
        boolean api;

        @Option(names = "--users", paramLabel = "N",
                description = "Users to generate (default: " + Simulator.Options.DEFAULT_USERS + ", "
                        + ApiSimulator.Options.DEFAULT_USERS + " with --api, where at least 20).")
        Integer users;

        @Option(names = "--seed", paramLabel = "S", description = "Random seed (default: from the clock).")
        Long seed;

        @Option(names = "--drop", paramLabel = "F", description = "With --api: the fraction of catch-up webhooks "
                + "never sent, between 0 and 1 (default: 0.10).")
        Double drop;

        @Option(names = "--timeout", paramLabel = "S", defaultValue = "" + Simulator.Options.DEFAULT_TIMEOUT_SECONDS,
                description = "Seconds to wait for the mirror to match (with --api: per phase; default: ${DEFAULT-VALUE}).")
        int timeout;

        @Option(names = "--concurrency", paramLabel = "N", defaultValue = "" + Simulator.Options.DEFAULT_CONCURRENCY,
                description = "Webhooks in flight at a time (default: ${DEFAULT-VALUE}).")
        int concurrency;

        @Spec
        CommandSpec spec;

        /** The plain simulator's settings; a usage error when an option applies to --api only. */
        Simulator.Options plainOptions(Map<String, String> env, Path dataDir) throws IOException {
            if (drop != null) {
                throw new ParameterException(spec.commandLine(), "--drop applies to simulate --api only");
            }
            return Simulator.Options.from(users == null ? Simulator.Options.DEFAULT_USERS : users,
                    seed == null ? Simulator.Options.clockSeed() : seed, concurrency, timeout, env, dataDir);
        }

        /** The API simulator's settings; a usage error when one is out of range or the environment is incomplete. */
        ApiSimulator.Options apiOptions(Map<String, String> env, Path dataDir) {
            try {
                return ApiSimulator.Options.from(users == null ? ApiSimulator.Options.DEFAULT_USERS : users,
                        seed == null ? Simulator.Options.clockSeed() : seed,
                        drop == null ? ApiSimulator.Options.DEFAULT_DROP : drop, timeout, concurrency, env, dataDir);
            } catch (ApiSimulator.OptionsException e) {
                throw new ParameterException(spec.commandLine(), "dsync " + e.getMessage());
            }
        }

        @Override
        public Integer call() throws Exception {
            if (api) {
                ApiSimulator.Result result = ApiSimulator.run(apiOptions(System.getenv(), dataDir()), System.out);
                System.out.println(result.passed() ? "Every phase passed: the mirror matches the WorkOS API."
                        : "Not every phase passed.");
                return result.passed() ? 0 : 1;
            }
            Simulator.Summary summary = Simulator.run(plainOptions(System.getenv(), dataDir()), System.out);
            System.out.println(summary.mismatches().isEmpty() ? "The mirror matches." : "The mirror does NOT match.");
            return summary.mismatches().isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "reconcile", sortOptions = false,
            description = {"Reconcile the mirror with WorkOS's API now (POST /v1/reconciliations on the running stack's "
                    + "query API, DSYNC_QUERY_PORT) and print the drift.",
                    "Exits with 0 when it completed, 1 when it failed or did not finish in time."})
    static final class Reconcile implements Callable<Integer> {

        @Mixin
        HelpOption help;

        @Option(names = "--directory", paramLabel = "ID", description = "One directory (default: every directory).")
        String directory;

        @Option(names = "--timeout", paramLabel = "S", defaultValue = "" + ReconcileCommand.DEFAULT_TIMEOUT_SECONDS,
                description = "Seconds to wait for it (default: ${DEFAULT-VALUE}); it goes on in the stack after that.")
        int timeout;

        @Override
        public Integer call() throws Exception {
            return ReconcileCommand.run(directory, timeout, System.getenv(), dataDir(), System.out);
        }
    }

    /** Not callable itself: {@code ./dsync bench} without a benchmark is a usage error. */
    @Command(name = "bench", description = {"Run a benchmark, separate from the tests; each prints its own results.",
            "The servers run in this JVM; the gateway benchmark's load generators never do."},
            subcommands = {Bench.Gateway.class, Bench.Mirror.class, Bench.Bootstrap.class, Bench.Topology.class,
                    Bench.Query.class})
    static final class Bench {

        @Mixin
        HelpOption help;

        @Command(name = "gateway", sortOptions = false,
                description = "Webhook throughput and latency, load from a separate process (wrk where installed): a bare "
                        + "Helidon route, the gateway alone on a broker (acks=all), the gateway inside the whole stack.")
        static final class Gateway implements Callable<Integer> {

            @Mixin
            HelpOption help;

            @Option(names = "--connections", paramLabel = "N", defaultValue = "32",
                    description = "Connections in the closed loop (default: ${DEFAULT-VALUE}).")
            int connections;

            @Option(names = "--seconds", paramLabel = "S", defaultValue = "10",
                    description = "Seconds per measurement (default: ${DEFAULT-VALUE}).")
            int seconds;

            @Option(names = "--runs", paramLabel = "R", defaultValue = "3",
                    description = "Runs; medians are reported (default: ${DEFAULT-VALUE}).")
            int runs;

            @Override
            public Integer call() throws Exception {
                GatewayBenchmark.run(connections, seconds, runs);
                return 0;
            }
        }

        @Command(name = "mirror", sortOptions = false,
                description = "Initial-sync burst as signed webhooks to a fresh local stack: first webhook to last "
                        + "row in PostgreSQL.")
        static final class Mirror implements Callable<Integer> {

            @Mixin
            HelpOption help;

            @Option(names = "--users", paramLabel = "N", defaultValue = "20000",
                    description = "Users (default: ${DEFAULT-VALUE}).")
            int users;

            @Option(names = "--groups", paramLabel = "N", description = "Groups (default: users / 20).")
            Integer groups;

            @Option(names = "--memberships", paramLabel = "N", description = "Memberships (default: users * 3).")
            Integer memberships;

            @Option(names = "--runs", paramLabel = "R", defaultValue = "3",
                    description = "Runs, each on a fresh stack; medians are reported (default: ${DEFAULT-VALUE}).")
            int runs;

            @Option(names = "--connections", paramLabel = "N", defaultValue = "32",
                    description = "Webhooks in flight at a time (default: ${DEFAULT-VALUE}).")
            int connections;

            int groups() {
                return groups == null ? users / 20 : groups;
            }

            int memberships() {
                return memberships == null ? users * 3 : memberships;
            }

            @Override
            public Integer call() throws Exception {
                MirrorBenchmark.run(users, groups(), memberships(), runs, connections);
                return 0;
            }
        }

        @Command(name = "bootstrap", sortOptions = false,
                description = "Bootstrap of a fresh stack from WorkOS's API (a local fake at its rate limits), "
                        + "next to the floor those limits impose.")
        static final class Bootstrap implements Callable<Integer> {

            @Mixin
            HelpOption help;

            @Mixin
            World world;

            @Option(names = "--runs", paramLabel = "R", defaultValue = "3",
                    description = "Runs, each on a fresh stack; medians are reported (default: ${DEFAULT-VALUE}).")
            int runs;

            @Override
            public Integer call() throws Exception {
                BootstrapBenchmark.run(world.users, world.groups, world.memberships, world.directories, runs);
                return 0;
            }
        }

        @Command(name = "topology", sortOptions = false,
                description = "Initial-sync throughput of the topology (with and without dsync.provisioning) "
                        + "against a pass-through Kafka Streams app, exactly-once, on an in-process broker.")
        static final class Topology implements Callable<Integer> {

            @Mixin
            HelpOption help;

            @Mixin
            World world;

            @Option(names = "--partitions", paramLabel = "N", defaultValue = "3",
                    description = "Partitions of every topic (default: ${DEFAULT-VALUE}).")
            int partitions;

            @Option(names = "--runs", paramLabel = "R", defaultValue = "3",
                    description = "Runs; medians are reported (default: ${DEFAULT-VALUE}).")
            int runs;

            @Override
            public Integer call() throws Exception {
                errorsOnlyLogging();
                return TopologyBenchmark.run(world.users, world.groups, world.memberships, world.directories,
                        partitions, runs);
            }
        }

        @Command(name = "query", sortOptions = false,
                description = "Query API latency on two topology instances: a user lookup, local and forwarded, "
                        + "and paging through one directory's users (limit 100).")
        static final class Query implements Callable<Integer> {

            @Mixin
            HelpOption help;

            @Option(names = "--runs", paramLabel = "R", defaultValue = "5",
                    description = "Runs; medians are reported (default: ${DEFAULT-VALUE}).")
            int runs;

            @Option(names = "--lookups", paramLabel = "N", defaultValue = "5000",
                    description = "Lookups per case and run (default: ${DEFAULT-VALUE}).")
            int lookups;

            @Option(names = "--users", paramLabel = "N", defaultValue = "10000",
                    description = "Users in the directory that is looked up and paged (default: ${DEFAULT-VALUE}).")
            int users;

            @Override
            public Integer call() throws Exception {
                errorsOnlyLogging();
                QueryBenchmark.run(runs, lookups, users);
                return 0;
            }
        }

        /**
         * The topology and query benchmarks log errors only, as they did when they ran on their own JVM with
         * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel=error}: set before the first logger exists (system
         * properties win over the launcher's simplelogger.properties).
         */
        private static void errorsOnlyLogging() {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
            System.setProperty("org.slf4j.simpleLogger.log.dev.dsync", "error");
        }
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
