package dev.dsync.events.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Turns a setting's text (trimmed, never blank unless the setting is verbatim) into a typed value. {@code expected}
 * describes the accepted form for error messages ("an integer between 0 and 65535"); {@code parse} throws any
 * runtime exception (or returns nothing acceptable to {@link #where}) on a value of another form.
 */
public record Parser<T>(String expected, Function<String, T> parse) {

    /** The same parser, refusing values that fail {@code ok}; {@code expected} replaces the description. */
    public Parser<T> where(Predicate<? super T> ok, String expected) {
        return new Parser<>(expected, text -> {
            T value = parse.apply(text);
            if (value != null && !ok.test(value)) {
                throw new IllegalArgumentException(expected);
            }
            return value;
        });
    }

    public static Parser<String> string() {
        return new Parser<>("text", Function.identity());
    }

    public static Parser<Path> path() {
        return new Parser<>("a file system path", Path::of);
    }

    public static Parser<Integer> integer() {
        return new Parser<>("an integer", Integer::parseInt);
    }

    public static Parser<Integer> integer(int min, int max) {
        String expected = max == Integer.MAX_VALUE ? "an integer >= " + min
                : "an integer between " + min + " and " + max;
        return integer().where(v -> v >= min && v <= max, expected);
    }

    public static Parser<Integer> port() {
        return integer(0, 65535);
    }

    public static Parser<Double> positiveNumber() {
        return new Parser<>("a positive number such as 20 or 7.5", Double::parseDouble)
                .where(v -> v > 0 && !v.isInfinite(), "a positive number such as 20 or 7.5");
    }

    /** {@code on}/{@code true} or {@code off}/{@code false}, any case. */
    public static Parser<Boolean> onOff() {
        return new Parser<>("on or off", text -> switch (text.toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException();
        });
    }

    /** Like {@link #onOff()}, also accepting 1/0, yes/no and enabled/disabled. */
    public static Parser<Boolean> lenientOnOff() {
        return new Parser<>("on or off", text -> switch (text.toLowerCase(Locale.ROOT)) {
            case "on", "true", "1", "yes", "enabled" -> true;
            case "off", "false", "0", "no", "disabled" -> false;
            default -> throw new IllegalArgumentException();
        });
    }

    /** One of {@code choices}, any case; the value is the choice as declared (lower-case). */
    public static Parser<String> choice(String... choices) {
        List<String> all = List.of(choices);
        String expected = all.size() == 2 ? all.get(0) + " or " + all.get(1) : "one of " + String.join(", ", all);
        return new Parser<>(expected, text -> all.stream().filter(c -> c.equalsIgnoreCase(text)).findFirst()
                .orElseThrow(IllegalArgumentException::new));
    }

    /** An ISO-8601 duration ({@code PT2S}, {@code P4D}). */
    public static Parser<Duration> isoDuration() {
        return new Parser<>("an ISO-8601 duration such as PT2S, PT1H or P4D", Duration::parse);
    }

    public static Parser<Duration> positiveIsoDuration() {
        return isoDuration().where(d -> d.isPositive(), "a positive ISO-8601 duration such as PT2S, PT1H or P4D");
    }

    /** An ISO-8601 duration or a whole number of seconds, never negative. */
    public static Parser<Duration> durationOrSeconds() {
        return new Parser<>("an ISO-8601 duration such as PT5S, or seconds", text -> {
            if (text.startsWith("-")) {
                throw new IllegalArgumentException("negative");
            }
            return text.chars().allMatch(Character::isDigit) ? Duration.ofSeconds(Long.parseLong(text))
                    : Duration.parse(text);
        });
    }

    /** {@code off} (the value null) or a positive {@link #durationOrSeconds()}. */
    public static Parser<Duration> offOrPositiveDuration() {
        Parser<Duration> duration = durationOrSeconds().where(Duration::isPositive, "");
        return new Parser<>("a positive ISO-8601 duration such as PT6H, seconds, or off",
                text -> text.equalsIgnoreCase("off") ? null : duration.parse().apply(text));
    }

    public static Parser<Instant> instant() {
        return new Parser<>("an ISO-8601 instant such as 2026-11-01T00:00:00Z", Instant::parse);
    }

    public static Parser<URI> uri() {
        return new Parser<>("a URI such as http://host:port", URI::create);
    }

    /** Comma-separated values, each trimmed, empty ones dropped. */
    public static Parser<List<String>> commaList() {
        return new Parser<>("a comma-separated list",
                text -> Arrays.stream(text.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }
}
