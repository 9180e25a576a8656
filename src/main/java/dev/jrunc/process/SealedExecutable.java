package dev.jrunc.process;

import static dev.jrunc.linux.Linux.*;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A sealed in-memory copy of a host executable, to execveat(fd, "", AT_EMPTY_PATH) instead of the
 * host file. A process in the container that reaches the running binary through /proc/PID/exe
 * then finds an anonymous file that no one can write, shrink or grow (the CVE-2019-5736 class of
 * escapes overwrote the runtime's binary that way).
 */
public final class SealedExecutable {
    private static final int CHUNK = 1 << 20;

    private SealedExecutable() {}

    /** The copy's fd (close-on-exec: a static binary needs no /dev/fd path after exec). */
    public static int copyOf(Syscalls sys, String path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Path.of(path));
        } catch (IOException e) {
            throw new JruncException("cannot read the native helper " + path + ": " + e.getMessage(), e);
        }
        int fd = sys.memfdCreate(Path.of(path).getFileName().toString(), MFD_CLOEXEC | MFD_ALLOW_SEALING);
        try {
            for (int off = 0; off < bytes.length; off += CHUNK) {
                sys.write(fd, Arrays.copyOfRange(bytes, off, Math.min(bytes.length, off + CHUNK)));
            }
            sys.addSeals(fd, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
            return fd;
        } catch (RuntimeException e) {
            sys.close(fd);
            throw e;
        }
    }
}
