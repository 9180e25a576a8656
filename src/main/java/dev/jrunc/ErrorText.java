package dev.jrunc;

/**
 * The one line an error gets. A config may carry megabytes in a field (a filesystem type, an
 * argument) that a message quotes; the caller's log and terminal get the start, which names the
 * field or the call, and the end, which says why (strerror), with what lies between left out.
 */
public final class ErrorText {
    /** The longest message shown whole. */
    public static final int MAX = 1024;

    private static final int HEAD = 700;
    private static final int TAIL = 250;

    private ErrorText() {}

    public static String bounded(String message) {
        if (message == null || message.length() <= MAX) return message;
        int head = HEAD;
        int tail = message.length() - TAIL;
        // never split a surrogate pair
        if (Character.isHighSurrogate(message.charAt(head - 1))) head--;
        if (Character.isLowSurrogate(message.charAt(tail))) tail++;
        return message.substring(0, head) + " … (" + (tail - head) + " characters left out) … "
                + message.substring(tail);
    }
}
