package dev.jrunc.seccomp;

import dev.jrunc.spec.ConfigException;

/**
 * A linux.seccomp section that cannot be compiled: a {@link ConfigException} of config.json,
 * built from "linux.seccomp.some.path: rule".
 */
public class SeccompException extends ConfigException {
    public SeccompException(String message) {
        super("config.json", "$." + pathOf(message), ruleOf(message));
    }

    private static String pathOf(String message) {
        int at = message.indexOf(": ");
        return at < 0 ? "linux.seccomp" : message.substring(0, at);
    }

    private static String ruleOf(String message) {
        int at = message.indexOf(": ");
        return at < 0 ? message : message.substring(at + 2);
    }
}
