package dev.jrunc.container;

import java.util.Locale;

/** runtime.md's container statuses, plus runc's "paused". */
public enum Status {
    CREATING, CREATED, RUNNING, PAUSED, STOPPED;

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
