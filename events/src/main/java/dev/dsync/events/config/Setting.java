package dev.dsync.events.config;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One environment variable of the external contract, declared once in {@link DsyncEnv}: its name, how its text
 * becomes a value (and what it must look like), its default, and its documentation exactly as README's
 * configuration table shows it ({@code defaultText}, {@code usedBy}, {@code meaning}; a test keeps them equal).
 *
 * <p>A value is trimmed and a blank one counts as unset, unless the setting is {@linkplain #verbatim() verbatim}
 * (passwords: taken as given, an empty value included).
 */
public final class Setting<T> implements Declaration {

    private final String name;
    private final Parser<T> parser;
    private final T defaultValue;
    private final boolean verbatim;
    private final boolean secret;
    private final String defaultText;
    private final String usedBy;
    private final String meaning;

    private Setting(String name, Parser<T> parser, T defaultValue, boolean verbatim, boolean secret,
                    String defaultText, String usedBy, String meaning) {
        this.name = Objects.requireNonNull(name);
        this.parser = Objects.requireNonNull(parser);
        this.defaultValue = defaultValue;
        this.verbatim = verbatim;
        this.secret = secret;
        this.defaultText = defaultText;
        this.usedBy = usedBy;
        this.meaning = meaning;
    }

    /** A setting; {@code defaultValue} is what an unset variable means (null: nothing). */
    public static <T> Setting<T> of(String name, Parser<T> parser, T defaultValue, String defaultText, String usedBy,
                                    String meaning) {
        return new Setting<>(name, parser, defaultValue, false, false, defaultText, usedBy, meaning);
    }

    /** The same setting, never shown in error messages. */
    public Setting<T> secret() {
        return new Setting<>(name, parser, defaultValue, verbatim, true, defaultText, usedBy, meaning);
    }

    /** The same setting, its value taken as given: not trimmed, and an empty value is a value. */
    public Setting<T> verbatim() {
        return new Setting<>(name, parser, defaultValue, true, secret, defaultText, usedBy, meaning);
    }

    @Override
    public String name() {
        return name;
    }

    public T defaultValue() {
        return defaultValue;
    }

    @Override
    public String defaultText() {
        return defaultText;
    }

    @Override
    public String usedBy() {
        return usedBy;
    }

    @Override
    public String meaning() {
        return meaning;
    }

    /** The form a value must have, as error messages describe it. */
    public String expected() {
        return parser.expected();
    }

    /**
     * The key the gateway's Helidon configuration (application.yaml) uses for this variable:
     * {@code DSYNC_GATEWAY_PORT} is {@code dsync.gateway.port}. Helidon maps the variable onto the key.
     */
    public String configKey() {
        return name.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** The value's text when the variable is set (trimmed, not blank, unless verbatim). */
    public Optional<String> text(Map<String, String> env) {
        String v = env.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (verbatim) {
            return Optional.of(v);
        }
        return v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    public boolean isSet(Map<String, String> env) {
        return text(env).isPresent();
    }

    /** The value, or the default when unset. */
    public T get(Map<String, String> env) {
        Optional<String> text = text(env);
        return text.isPresent() ? parse(text.get()) : defaultValue;
    }

    /** The value when set; empty when unset (the default is not applied). */
    public Optional<T> optional(Map<String, String> env) {
        return text(env).map(this::parse);
    }

    /** Parses {@code text} as this setting's value, or throws a {@link SettingException} naming the variable. */
    public T parse(String text) {
        try {
            return parser.parse().apply(text);
        } catch (RuntimeException e) {
            throw new SettingException(name, name + " must be " + parser.expected()
                    + (secret ? "" : ", not '" + text + "'"));
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
