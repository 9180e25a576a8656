package dev.jrunc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * jrunc's log: `--log FILE` with `--log-format json` writes one {"level","msg","time"} object per
 * line, which containerd reads back to show the user the last error. Without --log, warnings and
 * debug lines go to stderr.
 */
public final class Log {
    private static Path file;
    private static boolean json;
    private static boolean debug;

    private Log() {}

    public static void configure(Path logFile, String format, boolean debugEnabled) {
        file = logFile;
        json = "json".equals(format);
        debug = debugEnabled;
    }

    public static boolean debugEnabled() {
        return debug;
    }

    public static void error(String msg) {
        write("error", msg);
    }

    public static void warn(String msg) {
        write("warning", msg);
    }

    /** A warning for the user's eyes even when --log is given: to stderr and to the log. */
    public static void warnOnStderrToo(String msg) {
        if (file != null) System.err.println("jrunc: warning: " + msg);
        warn(msg);
    }

    public static void info(String msg) {
        write("info", msg);
    }

    public static void debug(String msg) {
        if (debug) write("debug", msg);
    }

    private static void write(String level, String msg) {
        String time = Instant.now().toString();
        if (file == null) {
            if (!level.equals("error")) System.err.println("jrunc: " + level + ": " + msg);
            return;
        }
        String line = json
                ? "{\"level\":\"" + level + "\",\"msg\":" + quote(msg) + ",\"time\":\"" + time + "\"}\n"
                : "time=\"" + time + "\" level=" + level + " msg=" + quote(msg) + "\n";
        try {
            Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            System.err.println("jrunc: cannot write log " + file + ": " + e.getMessage());
        }
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
