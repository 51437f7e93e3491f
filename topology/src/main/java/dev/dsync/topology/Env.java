package dev.dsync.topology;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;

/** Reads settings from environment variables, with errors that name the variable and the expected form. */
public final class Env {

    private Env() {
    }

    /** The trimmed value, or {@code fallback} when unset or blank. */
    public static String get(Map<String, String> env, String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }

    public static int integer(Map<String, String> env, String name, int fallback) {
        String v = get(env, name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, not '" + v + "'");
        }
    }

    public static Duration duration(Map<String, String> env, String name, Duration fallback) {
        String v = get(env, name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Duration.parse(v);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " must be an ISO-8601 duration such as PT2S, PT1H or P4D, not '"
                    + v + "'");
        }
    }
}
