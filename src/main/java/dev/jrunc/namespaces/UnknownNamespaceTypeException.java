package dev.jrunc.namespaces;

import dev.jrunc.JruncException;

/** A namespace type name config-linux.md does not define, with the field that held it. */
public final class UnknownNamespaceTypeException extends JruncException {
    private final String field;
    private final String type;

    public UnknownNamespaceTypeException(String field, String type) {
        super(field + ": unknown namespace type " + (type == null ? "null" : "\"" + type + "\""));
        this.field = field;
        this.type = type;
    }

    /** Where the name came from, e.g. {@code $.linux.namespaces[2].type}. */
    public String field() {
        return field;
    }

    /** The name as given (null when it was missing). */
    public String type() {
        return type;
    }
}
