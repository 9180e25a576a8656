package dev.jrunc.cgroups;

import dev.jrunc.JruncException;

/** A cgroup could not be placed, limited, read or removed; the message names the spec key and file. */
public class CgroupException extends JruncException {
    public CgroupException(String message) {
        super(message);
    }

    public CgroupException(String message, Throwable cause) {
        super(message, cause);
    }
}
