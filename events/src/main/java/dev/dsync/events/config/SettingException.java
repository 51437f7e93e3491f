package dev.dsync.events.config;

/**
 * A setting with a value that is not of the expected form. The message names the variable and the form
 * ({@code DSYNC_QUERY_PORT must be an integer between 0 and 65535, not 'x'}); the applications exit with 2 on it.
 */
public final class SettingException extends IllegalArgumentException {

    private final String variable;

    public SettingException(String variable, String message) {
        super(message);
        this.variable = variable;
    }

    /** The environment variable whose value was refused. */
    public String variable() {
        return variable;
    }
}
