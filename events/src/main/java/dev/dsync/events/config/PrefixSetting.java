package dev.dsync.events.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A family of variables sharing a prefix, each passed through as a property: {@code DSYNC_STREAMS_A_B=v} is the
 * property {@code a.b=v}.
 */
public record PrefixSetting(String prefix, String defaultText, String usedBy, String meaning) implements Declaration {

    @Override
    public String name() {
        return prefix + "<NAME>";
    }

    /** Every variable with the prefix, as properties: the rest of its name lower-cased, {@code _} as {@code .}. */
    public Map<String, String> properties(Map<String, String> env) {
        Map<String, String> out = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(prefix) && name.length() > prefix.length() && value != null) {
                out.put(name.substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '.'), value.trim());
            }
        });
        return out;
    }
}
