package dev.jrunc.conformance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs the jrunc launcher under test with its own --root, capturing exit status and output. */
final class Jrunc {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger COUNTER = new AtomicInteger();

    /** One finished invocation. */
    record Result(List<String> command, int exit, String out, String err, Path outFile) {
        /** The stdout file as it is now: a detached container keeps writing to it. */
        String outNow() {
            return read(outFile);
        }

        String all() {
            return out + err;
        }

        Result assertExit(int expected) {
            if (exit != expected) {
                throw new AssertionError("expected exit " + expected + " from " + String.join(" ", command)
                        + " but got " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err);
            }
            return this;
        }

        Result assertOk() {
            return assertExit(0);
        }

        @Override
        public String toString() {
            return String.join(" ", command) + " => " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    private final Path binary;
    private final Path root;
    private final Path scratch;

    Jrunc(Path binary, Path root, Path scratch) {
        this.binary = binary;
        this.root = root;
        this.scratch = scratch;
    }

    static Path binary() {
        String b = System.getProperty("jrunc.binary");
        if (b == null || b.isBlank()) throw new IllegalStateException("system property jrunc.binary is not set");
        return Path.of(b).toAbsolutePath();
    }

    Path root() {
        return root;
    }

    /** {@code jrunc --root <root> args...} */
    Result run(String... args) {
        return runWith(DEFAULT_TIMEOUT, List.of(args));
    }

    /** {@code jrunc --root <root> globals... args...} with a time limit. */
    Result runWith(Duration timeout, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
        cmd.addAll(args);
        return exec(cmd, timeout, null, null);
    }

    /**
     * Runs any command with stdin from /dev/null and stdout/stderr to files (a detached container
     * keeps the descriptors open, so pipes would never reach end-of-file).
     */
    Result exec(List<String> cmd, Duration timeout, Map<String, String> env, Path cwd) {
        int n = COUNTER.incrementAndGet();
        Path out = scratch.resolve("cmd-" + n + ".out");
        Path err = scratch.resolve("cmd-" + n + ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        if (env != null) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        if (cwd != null) pb.directory(cwd.toFile());
        try {
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s: " + String.join(" ", cmd)
                        + "\n--- stdout\n" + read(out) + "\n--- stderr\n" + read(err));
            }
            return new Result(List.copyOf(cmd), p.exitValue(), read(out), read(err), out);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + cmd, e);
        }
    }

    /** What a file holds now (a detached container may still be writing to it). */
    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file + ": " + e, e);
        }
    }
}
