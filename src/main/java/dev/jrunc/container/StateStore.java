package dev.jrunc.container;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.SpecJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The --root directory: one directory per container holding state.json and the exec fifo. */
public final class StateStore {
    public static final String STATE_FILE = "state.json";
    public static final String EXEC_FIFO = "exec.fifo";

    private final Path root;
    private final Syscalls sys;

    public StateStore(Path root, Syscalls sys) {
        this.root = root.toAbsolutePath();
        this.sys = sys;
    }

    public Path root() {
        return root;
    }

    private java.util.function.Supplier<Path> cgroupRegistryDir = () -> dev.jrunc.cgroups.CgroupRegistry.HOST_DIR;

    /** Where the cgroups of this store's containers are recorded (default: the host-wide registry). */
    public StateStore cgroupRegistry(java.util.function.Supplier<Path> dir) {
        this.cgroupRegistryDir = dir;
        return this;
    }

    /** The registry of the cgroup directories jrunc made for this store's containers. */
    public dev.jrunc.cgroups.CgroupRegistry cgroupRegistry() {
        return new dev.jrunc.cgroups.CgroupRegistry(cgroupRegistryDir.get(), dev.jrunc.cgroups.CgroupFs.REAL);
    }

    public Path dir(String id) {
        return root.resolve(ContainerId.validate(id));
    }

    /** Makes the container's directory; fails if the id is taken. */
    public Path createDir(String id) {
        Path dir = dir(id);
        try {
            Files.createDirectories(root, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
            return dir;
        } catch (FileAlreadyExistsException e) {
            throw new ContainerExistsException(id);
        } catch (IOException e) {
            throw new JruncException("cannot create state directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public boolean exists(String id) {
        return Files.isDirectory(dir(id));
    }

    public ContainerRecord read(String id) {
        Path file = dir(id).resolve(STATE_FILE);
        try {
            return ContainerRecord.fromJson(SpecJson.mapper().readTree(Files.readAllBytes(file)));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ContainerNotFoundException(id);
        } catch (IllegalArgumentException e) {
            throw new JruncException("container \"" + id + "\": " + file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new JruncException("container \"" + id + "\": cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether the directory exists but state.json does not yet: a create in progress. */
    public boolean isCreating(String id) {
        Path dir = dir(id);
        return Files.isDirectory(dir) && !Files.exists(dir.resolve(STATE_FILE));
    }

    /** Writes state.json through a temporary file and a rename, so readers never see half of it. */
    public void write(ContainerRecord record) {
        Path dir = dir(record.id());
        Path tmp = dir.resolve(STATE_FILE + ".tmp");
        try {
            Files.write(tmp, SpecJson.mapper().writeValueAsBytes(record.toJson()));
            try {
                Files.move(tmp, dir.resolve(STATE_FILE), StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new JruncException("state directory " + dir + " does not support atomic rename", e);
            }
        } catch (IOException e) {
            throw new JruncException("cannot write " + dir.resolve(STATE_FILE) + ": " + e.getMessage(), e);
        }
    }

    public void remove(String id) {
        Path dir = dir(id);
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new JruncException("cannot remove state directory " + dir + ": " + e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new JruncException("cannot remove state directory " + dir + ": " + e.getCause().getMessage(), e);
        }
    }

    public List<String> ids() {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(root)) return ids;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
            for (Path d : dirs) ids.add(d.getFileName().toString());
        } catch (IOException e) {
            throw new JruncException("cannot list " + root + ": " + e.getMessage(), e);
        }
        ids.sort(null);
        return ids;
    }

    /**
     * An exclusive lock on one container, so concurrent verbs on the same id run one at a time.
     * It is a flock on the container's directory: it goes away with the directory or the process.
     */
    public Lock lock(String id) {
        Path dir = dir(id);
        int fd;
        try {
            fd = sys.open(dir.toString(), Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0);
        } catch (SyscallException e) {
            if (e.errno() == Errno.ENOENT) throw new ContainerNotFoundException(id);
            throw e;
        }
        sys.flock(fd, Linux.LOCK_EX);
        return new Lock(sys, fd);
    }

    /**
     * Whether another process holds the container's lock now (a create in progress, or another
     * verb on it). Probed without waiting, and released at once.
     */
    public boolean isLocked(String id) {
        int fd;
        try {
            fd = sys.open(dir(id).toString(), Linux.O_RDONLY | Linux.O_DIRECTORY | Linux.O_CLOEXEC, 0);
        } catch (SyscallException e) {
            return false;
        }
        try {
            sys.flock(fd, Linux.LOCK_EX | Linux.LOCK_NB);
            return false;
        } catch (SyscallException e) {
            if (e.errno() == Errno.EAGAIN) return true;
            throw e;
        } finally {
            sys.close(fd);
        }
    }

    public static final class Lock implements AutoCloseable {
        private final Syscalls sys;
        private int fd;

        private Lock(Syscalls sys, int fd) {
            this.sys = sys;
            this.fd = fd;
        }

        @Override
        public void close() {
            if (fd >= 0) {
                sys.close(fd);
                fd = -1;
            }
        }
    }
}
