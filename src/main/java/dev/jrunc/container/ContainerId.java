package dev.jrunc.container;

import dev.jrunc.JruncException;
import java.util.regex.Pattern;

/** Container ids become directory names under --root: no separators, no dot-dot, no surprises. */
public final class ContainerId {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_+.-]*");
    private static final int MAX_LENGTH = 1024;

    private ContainerId() {}

    public static String validate(String id) {
        if (id == null || id.isEmpty()) {
            throw new JruncException("container id cannot be empty");
        }
        if (id.length() > MAX_LENGTH || !VALID.matcher(id).matches() || id.equals(".") || id.equals("..")) {
            throw new JruncException("invalid container id \"" + id
                    + "\": use letters, digits, '_', '+', '-' and '.', starting with a letter or digit");
        }
        return id;
    }
}
