package dev.jrunc.spec;

import dev.jrunc.JruncException;

/**
 * A config document (config.json, an exec process file, a resources file) that jrunc refuses.
 * Says which document, where in it (a JSON path such as {@code $.process.args}) and which rule
 * the value breaks, e.g. {@code config.json: $.process.args: must be a non-empty array}.
 */
public class ConfigException extends JruncException {
    private final String document;
    private final String path;
    private final String rule;

    public ConfigException(String document, String path, String rule) {
        this(document, path, rule, null);
    }

    public ConfigException(String document, String path, String rule, Throwable cause) {
        super(document + ": " + path + ": " + rule, cause);
        this.document = document;
        this.path = path;
        this.rule = rule;
    }

    /** The document's name as the user knows it, e.g. "config.json". */
    public String document() {
        return document;
    }

    /** JSON path of the offending value, "$" for the whole document. */
    public String path() {
        return path;
    }

    /** The rule the value breaks, in words. */
    public String rule() {
        return rule;
    }
}
