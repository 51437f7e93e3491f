package dev.dsync.launcher.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drives a closed loop with wrk (a separate process, in C): each wrk thread posts the pre-signed requests of its
 * own file in order, so no body repeats unless wrk runs out of them, which it reports.
 */
final class Wrk {

    /** Each thread reads {@code <prefix><thread number>.txt}: lines of {@code signature TAB body}. */
    private static final String SCRIPT = """
            local next_id = 1
            local threads = {}
            function setup(thread)
              thread:set("id", next_id)
              next_id = next_id + 1
              table.insert(threads, thread)
            end
            function init(args)
              requests = {}
              for line in io.lines(args[1] .. id .. ".txt") do
                local tab = line:find("\\t", 1, true)
                requests[#requests + 1] = wrk.format("POST", nil, {["Content-Type"] = "application/json",
                  ["WorkOS-Signature"] = line:sub(1, tab - 1)}, line:sub(tab + 1))
              end
              sent = 0
              wrapped = 0
            end
            function request()
              sent = sent + 1
              if sent > #requests then sent = 1; wrapped = 1 end
              return requests[sent]
            end
            function done(summary, latency, requests)
              for _, thread in ipairs(threads) do
                if thread:get("wrapped") == 1 then io.write("WRAPPED\\n") end
              end
            end
            """;

    private Wrk() {
    }

    static boolean installed() {
        try {
            Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
            return true;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** Runs wrk against {@code url} with one thread per file in {@code requestFiles} (named {@code requests-N.txt}). */
    static GatewayBenchmark.Peak run(Path dir, String url, int connections, int seconds, List<Path> requestFiles)
            throws IOException, InterruptedException {
        Path script = dir.resolve("signed.lua");
        Files.writeString(script, SCRIPT);
        List<String> command = new ArrayList<>(List.of("wrk", "-t" + requestFiles.size(), "-c" + connections,
                "-d" + seconds + "s", "--latency", "-s", script.toString(), url, "--",
                dir.resolve("requests-").toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + output);
        }
        if (output.contains("WRAPPED")) {
            System.out.println("note: wrk ran out of pre-signed events and repeated some (duplicates are cheaper)");
        }
        long failed = find(output, "Non-2xx or 3xx responses:\\s+(\\d+)").map(Long::parseLong).orElse(0L);
        Matcher socketErrors = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), "
                + "timeout (\\d+)").matcher(output);
        if (socketErrors.find()) {
            for (int g = 1; g <= 4; g++) {
                failed += Long.parseLong(socketErrors.group(g));
            }
        }
        double rate = Double.parseDouble(find(output, "Requests/sec:\\s+([\\d.]+)")
                .orElseThrow(() -> new IllegalStateException("no rate in wrk's output: " + output)));
        return new GatewayBenchmark.Peak(rate, percentile(output, "50"), percentile(output, "99"), failed);
    }

    private static double percentile(String output, String which) {
        Matcher m = Pattern.compile("(?m)^\\s+" + which + "%\\s+([\\d.]+)(us|ms|s)\\s*$").matcher(output);
        if (!m.find()) {
            throw new IllegalStateException("no " + which + "th percentile in wrk's output: " + output);
        }
        double value = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> value / 1000;
            case "s" -> value * 1000;
            default -> value;
        };
    }

    /** The first group of the first match. */
    private static java.util.Optional<String> find(String output, String regex) {
        Matcher m = Pattern.compile(regex).matcher(output);
        return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }
}
