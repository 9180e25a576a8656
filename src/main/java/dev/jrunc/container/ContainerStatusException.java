package dev.jrunc.container;

import dev.jrunc.JruncException;

/** A verb the container's status does not allow: start of a running container, delete of a live one, ... */
public final class ContainerStatusException extends JruncException {
    private final String id;
    private final Status status;

    public ContainerStatusException(String id, Status status, String message) {
        super(message);
        this.id = id;
        this.status = status;
    }

    public String id() {
        return id;
    }

    /** The status that refused the verb. */
    public Status status() {
        return status;
    }
}
