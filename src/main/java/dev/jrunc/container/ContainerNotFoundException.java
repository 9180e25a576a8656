package dev.jrunc.container;

import dev.jrunc.JruncException;

public final class ContainerNotFoundException extends JruncException {
    public ContainerNotFoundException(String id) {
        super("container \"" + id + "\" does not exist");
    }
}
