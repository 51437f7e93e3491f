package dev.dsync.events.config;

/** A documented environment variable: one row of README's configuration table. */
public sealed interface Declaration permits Setting, PrefixSetting {

    /** The variable's name; for a family of variables, the pattern ({@code DSYNC_STREAMS_<NAME>}). */
    String name();

    /** The default as README shows it (Markdown). */
    String defaultText();

    /** Which components read it, as README shows it. */
    String usedBy();

    /** What it means, as README shows it (Markdown). */
    String meaning();
}
