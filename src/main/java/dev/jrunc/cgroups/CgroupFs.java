package dev.jrunc.cgroups;

import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The kernel interfaces cgroup management needs: a few file operations, plus attaching a device
 * filter program on cgroup v2. Tests substitute a subclass that works on a plain directory tree,
 * where directories hold regular files and cannot simply be rmdir'ed, and records the program.
 */
public class CgroupFs {
    public static final CgroupFs REAL = new CgroupFs(Syscalls.linux());

    private final DeviceFilter deviceFilter;

    /** sys: the system calls that load and attach device filters. */
    public CgroupFs(Syscalls sys) {
        this.deviceFilter = new DeviceFilter(sys);
    }

    /**
     * One write(2) per call: cgroup files parse a single entry per write, so multi-entry values
     * (devices.allow, io.max, blkio.throttle.*) are written line by line by the caller.
     */
    public void write(Path file, String value) throws IOException {
        Files.write(file, value.getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    }

    public String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    public boolean exists(Path file) {
        return Files.exists(file);
    }

    public void mkdir(Path dir) throws IOException {
        Files.createDirectory(dir);
    }

    /** rmdir(2): on cgroupfs a directory whose only entries are the kernel's files is empty. */
    public void rmdir(Path dir) throws IOException {
        Files.delete(dir);
    }

    /** The directory's inode number: tells a cgroup from one made again at the same path. */
    public long inode(Path dir) {
        try {
            return (Long) Files.getAttribute(dir, "unix:ino");
        } catch (IOException e) {
            throw new CgroupException("stat " + dir + ": " + CgroupDir.reason(e), e);
        }
    }

    /**
     * Makes program (struct bpf_insn[]) the device filter of the cgroup2 directory dir,
     * replacing the filters a previous call attached.
     */
    public void installDeviceFilter(Path dir, byte[] program) {
        deviceFilter.replace(dir, program);
    }
}
