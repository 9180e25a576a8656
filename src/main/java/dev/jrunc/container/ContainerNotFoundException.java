package dev.jrunc.container;

import dev.jrunc.JruncException;

/** A verb on an id that has no container under --root. */
public final class ContainerNotFoundException extends JruncException {
    private final String id;

    public ContainerNotFoundException(String id) {
        super("container \"" + id + "\" does not exist");
        this.id = id;
    }

    public String id() {
        return id;
    }
}
