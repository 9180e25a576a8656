package dev.jrunc;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * The log of one verb: `--log FILE` with `--log-format json` writes one {"level","msg","time"}
 * object per line, which containerd reads back to show the user the last error. Without --log,
 * warnings and debug lines go to the caller's stderr. Each invocation has its own (a resident
 * engine runs many verbs at once for different callers); {@link Log} reaches the current one.
 */
public final class VerbLog {
    private final Path file;
    private final boolean json;
    private final boolean debug;
    private final PrintStream stderr;
    private final Set<PosixFilePermission> fileMode;

    /**
     * @param file absolute path of the log file, or null for the caller's stderr
     * @param umask the caller's umask: a new log file gets 0644 less it, as runc's does
     */
    public VerbLog(Path file, String format, boolean debug, PrintStream stderr, int umask) {
        this.file = file;
        this.json = "json".equals(format);
        this.debug = debug;
        this.stderr = stderr;
        this.fileMode = permissions(0644 & ~umask);
    }

    public boolean debugEnabled() {
        return debug;
    }

    public Path file() {
        return file;
    }

    public void error(String msg) {
        write("error", msg);
    }

    /** A warning for the user's eyes even when --log is given: to the caller's stderr and to the log. */
    public void warnOnStderrToo(String msg) {
        if (file != null) stderr.println("jrunc: warning: " + msg);
        warn(msg);
    }

    public void warn(String msg) {
        write("warning", msg);
    }

    public void info(String msg) {
        write("info", msg);
    }

    public void debug(String msg) {
        if (debug) write("debug", msg);
    }

    private void write(String level, String raw) {
        // An error or warning may quote a huge value from the config; debug lines (hook output,
        // the full argv) are asked for and kept whole.
        String msg = level.equals("error") || level.equals("warning") ? ErrorText.bounded(raw) : raw;
        String time = Instant.now().toString();
        if (file == null) {
            if (!level.equals("error")) stderr.println("jrunc: " + level + ": " + msg);
            return;
        }
        String line = json
                ? "{\"level\":\"" + level + "\",\"msg\":" + Log.quote(msg) + ",\"time\":\"" + time + "\"}\n"
                : "time=\"" + time + "\" level=" + level + " msg=" + Log.quote(msg) + "\n";
        try (FileChannel ch = FileChannel.open(file, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(fileMode))) {
            ByteBuffer b = ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
        } catch (IOException e) {
            stderr.println("jrunc: cannot write log " + file + ": " + e.getMessage());
        }
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
        for (int i = 0; i < 9; i++) {
            if ((mode & (0400 >> i)) != 0) set.add(bits[i]);
        }
        return set;
    }
}
