package dev.jrunc.init;

import dev.jrunc.JruncException;

/**
 * A message on the sync socket that does not belong there: a word no side of jrunc sends, a
 * message at a point of the launch where it has no place, or one without the descriptor it
 * carries. The peer is then of another build, or broken.
 */
public final class SyncProtocolException extends JruncException {
    public SyncProtocolException(String message) {
        super(message);
    }
}
