package dev.jrunc.init;

import dev.jrunc.JruncException;

/**
 * What the native helper, the init or the last stage reported with {@link SyncMessage#ERROR}
 * before it exited: the message is its text, word for word (runc's wording where jrunc follows
 * it, e.g. an executable not found), since that is what the user must see.
 */
public final class SetupFailedException extends JruncException {
    public SetupFailedException(String text) {
        super(text);
    }

    /** The text the process sent. */
    public String text() {
        return getMessage();
    }
}
