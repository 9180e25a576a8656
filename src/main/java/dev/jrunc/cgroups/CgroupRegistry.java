package dev.jrunc.cgroups;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * The cgroup directories jrunc made, host-wide rather than per --root. jrunc removes a cgroup
 * directory only if it is recorded here, so a cgroup an engine or an administrator made is never
 * removed; and whichever container's delete finds a recorded directory empty removes it, so two
 * containers sharing a cgroup path (even under two --root directories) leave nothing behind, in
 * either order.
 *
 * <p>One file per directory, named after its path. It is written before the mkdir (holding only
 * the path: a create killed just after its mkdir still finds the directory recorded) and again
 * after it with the directory's inode, so that a recorded directory which someone else removed
 * and made again is not taken for jrunc's. Every change happens under an fcntl lock on
 * {@code .lock}, which the kernel drops with the process that held it.
 */
public final class CgroupRegistry {
    /** Where the host's jrunc processes record their cgroup directories. */
    public static final Path HOST_DIR = Path.of("/run/jrunc-cgroups");

    private final Path dir;
    private final CgroupFs fs;

    public CgroupRegistry(Path dir, CgroupFs fs) {
        this.dir = dir;
        this.fs = fs;
    }

    public static CgroupRegistry host() {
        return new CgroupRegistry(HOST_DIR, CgroupFs.REAL);
    }

    public Path dir() {
        return dir;
    }

    /**
     * The fcntl lock keeps other processes out, but a JVM holds it once for all its threads (a
     * second FileChannel.lock in the same JVM fails): the threads of one JVM, the resident
     * engine's verbs, take turns on this first.
     */
    private static final java.util.Map<Path, java.util.concurrent.locks.ReentrantLock> IN_THIS_JVM =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Runs action holding the registry's lock (not re-entrant). */
    public <T> T locked(Supplier<T> action) {
        var local = IN_THIS_JVM.computeIfAbsent(dir.toAbsolutePath().normalize(),
                d -> new java.util.concurrent.locks.ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
                return action.get();
            }
        } catch (IOException e) {
            throw new CgroupException("cannot lock " + dir.resolve(".lock") + ": " + CgroupDir.reason(e), e);
        } finally {
            local.unlock();
        }
    }

    public void lockedRun(Runnable action) {
        locked(() -> {
            action.run();
            return null;
        });
    }

    /** Records that jrunc is about to make cgroup (call before the mkdir, under the lock). */
    void claim(Path cgroup) {
        write(cgroup, cgroup + "\n");
    }

    /** Records the inode of cgroup, just made (under the lock). */
    void made(Path cgroup) {
        write(cgroup, cgroup + "\n" + fs.inode(cgroup) + "\n");
    }

    /** Drops cgroup's entry (under the lock). */
    void forget(Path cgroup) {
        try {
            Files.deleteIfExists(entry(cgroup));
        } catch (IOException e) {
            throw new CgroupException("cannot remove " + entry(cgroup) + ": " + CgroupDir.reason(e), e);
        }
    }

    /**
     * Whether cgroup is a directory jrunc made: recorded, and still the same directory. An entry
     * whose directory is gone is dropped on the way.
     */
    boolean madeByJrunc(Path cgroup) {
        String content;
        try {
            content = Files.readString(entry(cgroup), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new CgroupException("cannot read " + entry(cgroup) + ": " + CgroupDir.reason(e), e);
        }
        String[] lines = content.split("\n");
        if (lines.length == 0 || !lines[0].equals(cgroup.toString())) {
            return false;
        }
        if (!fs.exists(cgroup)) {
            forget(cgroup);
            return false;
        }
        // no inode yet: the create that recorded it was killed between its mkdir and the second write
        return lines.length < 2 || lines[1].equals(Long.toString(fs.inode(cgroup)));
    }

    private void write(Path cgroup, String content) {
        Path file = entry(cgroup);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new CgroupException("cannot record cgroup " + cgroup + " in " + dir + ": " + CgroupDir.reason(e), e);
        }
    }

    /** The entry's file: the path with '%' and '/' escaped, or a hash of it when that is too long. */
    Path entry(Path cgroup) {
        String p = cgroup.toString();
        String name = p.replace("%", "%25").replace("/", "%2F");
        if (name.length() > 200) {
            try {
                byte[] h = java.security.MessageDigest.getInstance("SHA-256").digest(p.getBytes(StandardCharsets.UTF_8));
                name = "sha256-" + HexFormat.of().formatHex(h);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JDK", e);
            }
        }
        return dir.resolve(name);
    }
}
