package dev.dsync.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dsync.launcher.simulate.ApiSimulator;
import dev.dsync.launcher.simulate.Simulator;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/**
 * The {@code ./dsync} command line: help, usage errors and the values options parse into. Nothing here starts the
 * stack, a simulator or a benchmark: help and usage errors never reach a command, and the values are read from the
 * parsed command objects.
 */
class DsyncCommandLineTest {

    @TempDir
    Path dataDir;

    private record Outcome(int exit, String out, String err) {
    }

    private static Outcome execute(String... args) {
        CommandLine commandLine = Dsync.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        commandLine.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        int exit = commandLine.execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    /** The command object the arguments select, with its options set; nothing is run. */
    private static <T> T parse(Class<T> type, String... args) {
        ParseResult result = Dsync.commandLine().parseArgs(args);
        while (result.hasSubcommand()) {
            result = result.subcommand();
        }
        return type.cast(result.commandSpec().userObject());
    }

    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of(List.of(), List.of("up", "simulate", "reconcile", "bench", "./dsync test")),
                Arguments.of(List.of("up"), List.of("--fresh")),
                Arguments.of(List.of("simulate"), List.of("--api", "--users=N", "--seed=S", "--drop=F", "--timeout=S",
                        "--concurrency=N", "default: 2000, 1000 with --api", "default: 300", "default: 8")),
                Arguments.of(List.of("reconcile"), List.of("--directory=ID", "--timeout=S", "default: 3600")),
                Arguments.of(List.of("bench"), List.of("gateway", "mirror", "bootstrap", "topology", "query")),
                Arguments.of(List.of("bench", "gateway"), List.of("--connections=N", "--seconds=S", "--runs=R",
                        "default: 32", "default: 10")),
                Arguments.of(List.of("bench", "mirror"), List.of("--users=N", "--groups=N", "--memberships=N",
                        "--runs=R", "--connections=N", "default: 20000", "default: users / 20", "default: users * 3",
                        "default: 32")),
                Arguments.of(List.of("bench", "bootstrap"), List.of("--users=N", "--groups=N", "--memberships=N",
                        "--directories=N", "--runs=R", "default: 100000", "default: 300000")),
                Arguments.of(List.of("bench", "topology"), List.of("--users=N", "--groups=N", "--memberships=N",
                        "--directories=N", "--partitions=N", "--runs=R", "default: 5000")),
                Arguments.of(List.of("bench", "query"), List.of("--runs=R", "--lookups=N", "--users=N",
                        "default: 5000", "default: 10000")));
    }

    @ParameterizedTest
    @MethodSource("commands")
    void helpOnEveryCommandPrintsItsOptionsAndExitsWithZero(List<String> command, List<String> expected) {
        for (String help : List.of("--help", "-h")) {
            Outcome o = execute(Stream.concat(command.stream(), Stream.of(help)).toArray(String[]::new));

            assertThat(o.exit()).as(command + " " + help).isZero();
            assertThat(o.err()).isEmpty();
            assertThat(o.out()).startsWith(("Usage: ./dsync " + String.join(" ", command)).trim())
                    .contains("-h, --help").contains(expected);
        }
    }

    @Test
    void noCommandPrintsTheUsageAndTheHelpCommandAProgramsHelp() {
        Outcome none = execute();
        assertThat(none.exit()).isZero();
        assertThat(none.out()).startsWith("Usage: ./dsync").contains("simulate", "bench");

        Outcome help = execute("help", "simulate");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).startsWith("Usage: ./dsync simulate").contains("--drop=F");
    }

    @Test
    void anUnknownOptionIsAUsageErrorNotIgnored() {
        for (List<String> args : List.of(List.of("simulate", "--bogus"), List.of("simulate", "--api", "--fresh"),
                List.of("simulate", "--user", "20"), List.of("bench", "mirror", "--bogus", "1"),
                List.of("bench", "topology", "--seconds", "5"), List.of("up", "--fres"),
                List.of("reconcile", "--dir", "directory_1"))) {
            Outcome o = execute(args.toArray(String[]::new));

            assertThat(o.exit()).as(args.toString()).isEqualTo(2);
            assertThat(o.out()).as(args.toString()).isEmpty();
            assertThat(o.err()).as(args.toString()).containsIgnoringCase("unknown option")
                    .contains("Usage: ./dsync " + args.get(0));
        }
    }

    @Test
    void otherUsageErrorsExitWithTwo() {
        for (List<String> args : List.of(List.of("frobnicate"), List.of("bench"), List.of("bench", "nope"),
                List.of("simulate", "--users"), List.of("simulate", "--users", "many"),
                List.of("simulate", "--drop", "0.5"), List.of("reconcile", "extra"), List.of("up", "--fresh=yes"),
                List.of("bench", "gateway", "--runs", "3.5"),
                // refused by the API simulator's checks, before anything starts
                List.of("simulate", "--api", "--users", "5"), List.of("simulate", "--api", "--drop", "1.5"))) {
            Outcome o = execute(args.toArray(String[]::new));

            assertThat(o.exit()).as(args.toString()).isEqualTo(2);
            assertThat(o.err()).as(args.toString()).contains("Usage: ./dsync");
        }
        assertThat(execute("simulate", "--drop", "0.5").err()).contains("--drop applies to simulate --api only");
        assertThat(execute("simulate", "--api", "--users", "5").err())
                .contains("dsync simulate --api: --users must be at least 20");
        assertThat(execute("bench").err()).contains("Missing required subcommand");
    }

    @Test
    void simulateParsesItsOptionsAndKeepsItsDefaults() throws Exception {
        Map<String, String> env = Map.of("WORKOS_WEBHOOK_SECRET", "whsec_1", "DSYNC_QUERY_TOKEN", "tok",
                "WORKOS_API_KEY", "sk_test_x", "WORKOS_API_URL", "http://127.0.0.1:8090");

        Simulator.Options plain = parse(Dsync.Simulate.class, "simulate").plainOptions(env, dataDir);
        assertThat(plain.users()).isEqualTo(2000);
        assertThat(plain.concurrency()).isEqualTo(8);
        assertThat(plain.timeoutSeconds()).isEqualTo(300);
        assertThat(plain.seed()).isBetween(0L, 999_999L);

        Simulator.Options given = parse(Dsync.Simulate.class, "simulate", "--users", "300", "--seed", "77",
                "--concurrency=3", "--timeout", "90").plainOptions(env, dataDir);
        assertThat(given.users()).isEqualTo(300);
        assertThat(given.seed()).isEqualTo(77);
        assertThat(given.concurrency()).isEqualTo(3);
        assertThat(given.timeoutSeconds()).isEqualTo(90);

        Dsync.Simulate apiDefaults = parse(Dsync.Simulate.class, "simulate", "--api");
        assertThat(apiDefaults.api).isTrue();
        ApiSimulator.Options api = apiDefaults.apiOptions(env, dataDir);
        assertThat(api.base().users()).isEqualTo(1000);
        assertThat(api.drop()).isEqualTo(0.10);
        assertThat(api.base().timeoutSeconds()).isEqualTo(300);
        assertThat(api.base().concurrency()).isEqualTo(8);
        assertThat(api.apiPort()).isEqualTo(8090);

        ApiSimulator.Options apiGiven = parse(Dsync.Simulate.class, "simulate", "--users", "50", "--api", "--seed",
                "12345678901", "--drop", "0.25", "--timeout", "60", "--concurrency", "2").apiOptions(env, dataDir);
        assertThat(apiGiven.base().users()).isEqualTo(50);
        assertThat(apiGiven.base().seed()).isEqualTo(12345678901L);
        assertThat(apiGiven.drop()).isEqualTo(0.25);
        assertThat(apiGiven.base().timeoutSeconds()).isEqualTo(60);
        assertThat(apiGiven.base().concurrency()).isEqualTo(2);
    }

    @Test
    void upAndReconcileParseTheirOptions() {
        assertThat(parse(Dsync.Up.class, "up").fresh).isFalse();
        assertThat(parse(Dsync.Up.class, "up", "--fresh").fresh).isTrue();

        Dsync.Reconcile defaults = parse(Dsync.Reconcile.class, "reconcile");
        assertThat(defaults.directory).isNull();
        assertThat(defaults.timeout).isEqualTo(3600);
        Dsync.Reconcile given = parse(Dsync.Reconcile.class, "reconcile", "--directory", "directory_01X", "--timeout", "30");
        assertThat(given.directory).isEqualTo("directory_01X");
        assertThat(given.timeout).isEqualTo(30);
    }

    @Test
    void benchmarksParseTheirOptionsAndKeepTheirDefaults() {
        Dsync.Bench.Gateway gateway = parse(Dsync.Bench.Gateway.class, "bench", "gateway");
        assertThat(List.of(gateway.connections, gateway.seconds, gateway.runs)).containsExactly(32, 10, 3);
        gateway = parse(Dsync.Bench.Gateway.class, "bench", "gateway", "--connections", "8", "--seconds", "2", "--runs", "1");
        assertThat(List.of(gateway.connections, gateway.seconds, gateway.runs)).containsExactly(8, 2, 1);

        Dsync.Bench.Mirror mirror = parse(Dsync.Bench.Mirror.class, "bench", "mirror");
        assertThat(List.of(mirror.users, mirror.groups(), mirror.memberships(), mirror.runs, mirror.connections))
                .containsExactly(20_000, 1_000, 60_000, 3, 32);
        mirror = parse(Dsync.Bench.Mirror.class, "bench", "mirror", "--users", "100");
        assertThat(List.of(mirror.groups(), mirror.memberships())).containsExactly(5, 300);
        mirror = parse(Dsync.Bench.Mirror.class, "bench", "mirror", "--users", "100", "--groups", "7",
                "--memberships", "9", "--runs", "1", "--connections", "4");
        assertThat(List.of(mirror.users, mirror.groups(), mirror.memberships(), mirror.runs, mirror.connections))
                .containsExactly(100, 7, 9, 1, 4);

        Dsync.Bench.Bootstrap bootstrap = parse(Dsync.Bench.Bootstrap.class, "bench", "bootstrap");
        assertThat(List.of(bootstrap.world.users, bootstrap.world.groups, bootstrap.world.memberships, bootstrap.world.directories, bootstrap.runs))
                .containsExactly(100_000, 5_000, 300_000, 1, 3);
        bootstrap = parse(Dsync.Bench.Bootstrap.class, "bench", "bootstrap", "--directories", "4", "--users", "10");
        assertThat(List.of(bootstrap.world.users, bootstrap.world.directories)).containsExactly(10, 4);

        Dsync.Bench.Topology topology = parse(Dsync.Bench.Topology.class, "bench", "topology");
        assertThat(List.of(topology.world.users, topology.world.groups, topology.world.memberships, topology.world.directories,
                topology.partitions, topology.runs)).containsExactly(100_000, 5_000, 300_000, 1, 3, 3);
        topology = parse(Dsync.Bench.Topology.class, "bench", "topology", "--users", "20000", "--groups", "1000",
                "--memberships", "60000", "--directories", "2", "--partitions", "6", "--runs", "5");
        assertThat(List.of(topology.world.users, topology.world.groups, topology.world.memberships, topology.world.directories,
                topology.partitions, topology.runs)).containsExactly(20_000, 1_000, 60_000, 2, 6, 5);

        Dsync.Bench.Query query = parse(Dsync.Bench.Query.class, "bench", "query");
        assertThat(List.of(query.runs, query.lookups, query.users)).containsExactly(5, 5_000, 10_000);
        query = parse(Dsync.Bench.Query.class, "bench", "query", "--runs", "1", "--lookups", "10", "--users", "200");
        assertThat(List.of(query.runs, query.lookups, query.users)).containsExactly(1, 10, 200);
    }
}
