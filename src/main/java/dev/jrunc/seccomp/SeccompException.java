package dev.jrunc.seccomp;

import dev.jrunc.JruncException;

/** A linux.seccomp section that cannot be compiled; the message names the JSON path. */
public class SeccompException extends JruncException {
    public SeccompException(String message) {
        super(message);
    }
}
