package dev.dsync.events.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README's configuration table and {@link DsyncEnv} agree both ways: no undocumented setting, no documented
 * setting that is not declared, and every row's default, users and meaning are the declaration's. Beyond the table,
 * no main code, script or deployment file names a {@code DSYNC_}/{@code WORKOS_} variable that is not declared, and
 * every declaration is read somewhere.
 */
class ConfigurationTableTest {

    static final Path ROOT = Path.of("..");
    static final String HEADER = "| variable | default | used by | meaning |";

    record Row(String name, String defaultText, String usedBy, String meaning) {
    }

    static List<Row> readmeRows() throws IOException {
        List<String> lines = Files.readAllLines(ROOT.resolve("README.md"));
        int header = lines.indexOf(HEADER);
        assertThat(header).as("README's configuration table (header row %s)", HEADER).isNotNegative();
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(header + 2, lines.size())) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.substring(1, line.length() - 1).split("\\|", -1);
            assertThat(cells).as("four cells in %s", line).hasSize(4);
            rows.add(new Row(normalise(cells[0]), cells[1].strip(), cells[2].strip(), cells[3].strip()));
        }
        return rows;
    }

    /** Markdown formatting does not count: backticks and repeated spaces are dropped. */
    static String normalise(String cell) {
        return cell.replace("`", "").strip().replaceAll("\\s+", " ");
    }

    @Test
    void theReadmeTableDocumentsExactlyTheDeclaredSettings() throws IOException {
        List<Row> rows = readmeRows();
        Set<String> documented = rows.stream().map(Row::name).collect(Collectors.toCollection(TreeSet::new));
        Set<String> declared = DsyncEnv.ALL.stream().map(Declaration::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(rows).as("one row per variable").hasSameSizeAs(documented);
        assertThat(DsyncEnv.ALL).as("one declaration per variable").hasSameSizeAs(declared);
        assertThat(difference(documented, declared)).as("documented in README but not declared in DsyncEnv")
                .isEmpty();
        assertThat(difference(declared, documented)).as("declared in DsyncEnv but not documented in README")
                .isEmpty();
    }

    @Test
    void everyRowShowsTheDeclaredDefaultUsersAndMeaning() throws IOException {
        Map<String, Declaration> byName = DsyncEnv.ALL.stream()
                .collect(Collectors.toMap(Declaration::name, Function.identity()));
        for (Row row : readmeRows()) {
            Declaration d = byName.get(row.name());
            assertThat(d).as(row.name()).isNotNull();
            assertThat(normalise(row.defaultText())).as("default of %s", row.name())
                    .isEqualTo(normalise(d.defaultText()));
            assertThat(normalise(row.usedBy())).as("used by of %s", row.name()).isEqualTo(normalise(d.usedBy()));
            assertThat(normalise(row.meaning())).as("meaning of %s", row.name()).isEqualTo(normalise(d.meaning()));
        }
    }

    @Test
    void theDeclaredDefaultTextShowsTheTypedDefault() {
        for (Declaration d : DsyncEnv.ALL) {
            if (d instanceof Setting<?> s && s.defaultValue() != null && !(s.defaultValue() instanceof List<?>)
                    && d.defaultText().matches("`[^`]*`")) {
                // a plain default (`8081`, `PT6H`, `on`) parses to the typed default
                assertThat(s.parse(normalise(d.defaultText()))).as("default of %s", d.name())
                        .isEqualTo(s.defaultValue());
            }
        }
    }

    private static final Pattern VARIABLE = Pattern.compile("(?<![.#\\w])(?:DSYNC|WORKOS)_[A-Z0-9_]+");

    /** Main code, the scripts and the deployment files: everything that can read a variable. */
    static Map<Path, String> readers() throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        for (String module : List.of("events", "connect-config", "embedded", "workos-api", "topology", "gateway",
                "launcher", "client")) {
            Path main = ROOT.resolve(module).resolve("src/main");
            try (Stream<Path> files = Files.walk(main)) {
                files.filter(Files::isRegularFile)
                        .filter(p -> p.toString().matches(".*\\.(java|yaml|yml|properties|sh)$"))
                        .forEach(p -> out.put(p, read(p)));
            }
        }
        for (String file : List.of("dsync", "docker-compose.yml", ".ci/run", "gateway/Dockerfile",
                "topology/Dockerfile", "connect-config/Dockerfile", "connect-config/docker/sink-supervisor.sh")) {
            Path p = ROOT.resolve(file);
            if (Files.exists(p)) {
                out.put(p, read(p));
            }
        }
        return out;
    }

    @Test
    void noReaderNamesAnUndeclaredVariable() throws IOException {
        Set<String> declared = DsyncEnv.ALL.stream().filter(d -> d instanceof Setting<?>).map(Declaration::name)
                .collect(Collectors.toSet());
        List<String> prefixes = DsyncEnv.ALL.stream().filter(d -> d instanceof PrefixSetting)
                .map(d -> ((PrefixSetting) d).prefix()).toList();
        Set<String> undeclared = new TreeSet<>();
        readers().forEach((path, text) -> {
            if (path.endsWith("DsyncEnv.java")) {
                return;
            }
            Matcher m = VARIABLE.matcher(text);
            while (m.find()) {
                String name = m.group();
                // DSYNC_JDBC_* and the like name a family, not a variable
                if (name.endsWith("_") || declared.contains(name) || prefixes.stream().anyMatch(name::startsWith)) {
                    continue;
                }
                undeclared.add(name + " in " + ROOT.relativize(path));
            }
        });
        assertThat(undeclared).as("variables named in main code or scripts but not declared in DsyncEnv").isEmpty();
    }

    @Test
    void everyDeclarationIsReadSomewhere() throws IOException {
        Map<String, String> constants = new LinkedHashMap<>();
        for (var field : DsyncEnv.class.getFields()) {
            try {
                if (field.get(null) instanceof Declaration d) {
                    constants.put(field.getName(), d.name());
                }
            } catch (IllegalAccessException e) {
                throw new AssertionError(e);
            }
        }
        Map<Path, String> readers = readers();
        List<String> unread = new ArrayList<>();
        constants.forEach((constant, name) -> {
            boolean read = readers.entrySet().stream().anyMatch(e -> !e.getKey().endsWith("DsyncEnv.java")
                    && (e.getValue().contains("DsyncEnv." + constant)
                    || e.getValue().contains("import static dev.dsync.events.config.DsyncEnv." + constant + ";")
                    // the ./dsync script reads its own
                    || e.getKey().endsWith("dsync") && e.getValue().contains("${" + name + ":")));
            if (!read) {
                unread.add(constant + " (" + name + ")");
            }
        });
        // DSYNC_CONNECT_URL: the standalone sink supervisor runs in Kafka's image without dsync-events, so it keeps
        // the name as SinkSupervisor.CONNECT_URL_ENV; embedded's DsyncEnvNamesTest checks the two agree.
        unread.remove("CONNECT_URL (DSYNC_CONNECT_URL)");
        assertThat(unread).as("declared in DsyncEnv but read nowhere").isEmpty();
    }

    private static Set<String> difference(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
