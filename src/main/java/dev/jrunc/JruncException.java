package dev.jrunc;

/**
 * The root of every error jrunc reports to its caller. The message is what the user sees (on
 * stderr and in the --log file), so it must say what failed, where, and why.
 */
public class JruncException extends RuntimeException {
    public JruncException(String message) {
        super(message);
    }

    public JruncException(String message, Throwable cause) {
        super(message, cause);
    }
}
