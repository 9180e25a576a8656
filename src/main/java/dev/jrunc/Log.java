package dev.jrunc;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The log of the verb being run, for code that has no {@link VerbLog} passed to it. A resident
 * engine binds each verb's own log for the thread running it ({@link #with}); a JVM that runs one
 * verb (direct mode, tests) configures a process-wide default instead.
 */
public final class Log {
    private static final ScopedValue<VerbLog> CURRENT = ScopedValue.newInstance();
    private static volatile VerbLog processDefault = new VerbLog(null, "text", false, System.err, 022);

    private Log() {}

    /** The process-wide default, for a JVM that runs one verb at a time. */
    public static void configure(Path logFile, String format, boolean debugEnabled) {
        processDefault = new VerbLog(logFile == null ? null : logFile.toAbsolutePath(), format, debugEnabled,
                System.err, 022);
    }

    /** Runs call with log as the current log of this thread. */
    public static <T> T with(VerbLog log, Callable<T> call) throws Exception {
        return ScopedValue.where(CURRENT, log).call(call::call);
    }

    public static VerbLog current() {
        return CURRENT.isBound() ? CURRENT.get() : processDefault;
    }

    public static boolean debugEnabled() {
        return current().debugEnabled();
    }

    public static void error(String msg) {
        current().error(msg);
    }

    public static void warn(String msg) {
        current().warn(msg);
    }

    /** A warning for the user's eyes even when --log is given: to stderr and to the log. */
    public static void warnOnStderrToo(String msg) {
        current().warnOnStderrToo(msg);
    }

    public static void info(String msg) {
        current().info(msg);
    }

    public static void debug(String msg) {
        current().debug(msg);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
