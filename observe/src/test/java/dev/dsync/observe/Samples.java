package dev.dsync.observe;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The samples of a Prometheus text page: {@code name{labels}} (labels as printed, no trailing comma) → value. */
final class Samples {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})?\\s+(\\S+)$");

    private Samples() {
    }

    static Map<String, Double> parse(String page) {
        Map<String, Double> out = new TreeMap<>();
        for (String line : page.split("\n")) {
            Matcher m = SAMPLE.matcher(line.trim());
            if (!line.startsWith("#") && m.matches()) {
                out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2).replace(",}", "}")),
                        Double.parseDouble(m.group(3)));
            }
        }
        return out;
    }
}
