package dev.jrunc.engine;

import dev.jrunc.linux.Syscalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The engine JVM's entry point, started by the native front (detached: its own session and
 * cgroup, a clean environment, stdio to DIR/engine.log) with
 * {@code -Djrunc.engine.dir=DIR -Djrunc.build=ID -Djrunc.engine.idle=SECONDS -Djrunc.engine.ready-fd=FD}.
 * It writes one byte to the ready fd once it listens, so the front knows it can connect.
 */
public final class EngineMain {
    /** Exit after this long without a verb unless told otherwise. */
    static final Duration DEFAULT_IDLE = Duration.ofMinutes(5);

    private EngineMain() {}

    public static void main(String[] args) {
        Syscalls sys = Syscalls.linux();
        String dir = System.getProperty("jrunc.engine.dir");
        String build = System.getProperty("jrunc.build");
        if (dir == null || build == null) {
            System.err.println("jrunc engine: -Djrunc.engine.dir and -Djrunc.build are required (the front sets them)");
            System.exit(2);
        }
        Engine engine = new Engine(sys, new Engine.Settings(Path.of(dir), build, idle()), System.err);
        try {
            engine.bind();
        } catch (RuntimeException e) {
            System.err.println("jrunc engine: " + e.getMessage());
            System.exit(1);
        }
        String ready = System.getProperty("jrunc.engine.ready-fd");
        if (ready != null) {
            int fd = Integer.parseInt(ready);
            try {
                sys.write(fd, "R".getBytes(StandardCharsets.US_ASCII));
            } finally {
                sys.close(fd);
            }
        }
        engine.serve();
        System.exit(0);
    }

    static Duration idle() {
        String s = System.getProperty("jrunc.engine.idle");
        if (s == null || s.isBlank()) return DEFAULT_IDLE;
        try {
            long seconds = Long.parseLong(s.strip());
            return seconds > 0 ? Duration.ofSeconds(seconds) : DEFAULT_IDLE;
        } catch (NumberFormatException e) {
            System.err.println("jrunc engine: ignoring jrunc.engine.idle=" + s + " (seconds expected)");
            return DEFAULT_IDLE;
        }
    }
}
