package dev.jrunc.container;

import dev.jrunc.JruncException;

/** create (or run) with an id that is taken under --root. */
public final class ContainerExistsException extends JruncException {
    private final String id;

    public ContainerExistsException(String id) {
        super("container with id \"" + id + "\" already exists");
        this.id = id;
    }

    public String id() {
        return id;
    }
}
