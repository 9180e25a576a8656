package dev.jrunc.linux;

import dev.jrunc.JruncException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * bpf(2) for cgroup v2 device filters: load a BPF_PROG_TYPE_CGROUP_DEVICE program and make it
 * the filter of a cgroup directory. Every failure names the call, its arguments and strerror.
 */
@SuppressWarnings("restricted") // enabled with --enable-native-access, as for every FFM binding
public final class Bpf {
    // bpf(2) commands
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_PROG_ATTACH = 8;
    static final int BPF_PROG_DETACH = 9;
    static final int BPF_PROG_GET_FD_BY_ID = 13;
    static final int BPF_PROG_QUERY = 16;

    static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    static final int BPF_CGROUP_DEVICE = 6;
    static final int BPF_F_ALLOW_MULTI = 2;

    static final int O_RDONLY = 0;
    static final int O_DIRECTORY = 0x10000;
    static final int O_CLOEXEC = 0x80000;
    static final int AT_FDCWD = -100;

    /** union bpf_attr is far smaller; the kernel requires the unused tail to be zero. */
    static final int ATTR_SIZE = 128;
    static final int LOG_SIZE = 64 * 1024;
    static final int INSN_SIZE = 8;

    private record Numbers(long bpf, long openat, long close) {}

    private static final Numbers NR = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> new Numbers(321, 257, 3);
        case "aarch64", "arm64" -> new Numbers(280, 56, 57);
        default -> null;
    };

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    /** long syscall(long number, ...): every argument passed as a long, pointers included. */
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(
            LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Bpf() {}

    /** Thrown when a bpf-related system call fails. */
    public static final class BpfException extends JruncException {
        private final int errno;

        BpfException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /**
     * Loads program, attaches it to the cgroup at dir alongside what is there, then detaches the
     * programs that were there, so the cgroup is never without a filter in between.
     */
    public static void replaceCgroupDeviceFilter(Path dir, byte[] program) {
        int cgroupFd = openDirectory(dir);
        try {
            List<Integer> old = queryDeviceProgramIds(cgroupFd, dir);
            int progFd = loadDeviceProgram(program);
            try {
                attach(cgroupFd, progFd, dir);
                for (int id : old) {
                    int oldFd = progFdById(id);
                    try {
                        detach(cgroupFd, oldFd, dir);
                    } finally {
                        close(oldFd);
                    }
                }
            } finally {
                // the attachment holds its own reference
                close(progFd);
            }
        } finally {
            close(cgroupFd);
        }
    }

    /** BPF_PROG_LOAD of a BPF_PROG_TYPE_CGROUP_DEVICE program; returns its fd. */
    public static int loadDeviceProgram(byte[] program) {
        if (program.length == 0 || program.length % INSN_SIZE != 0) {
            throw new IllegalArgumentException("program length " + program.length + " is not a multiple of " + INSN_SIZE);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(program.length, 8);
            insns.copyFrom(MemorySegment.ofArray(program));
            // device filters call no GPL-only helpers; the license string is still mandatory
            MemorySegment license = arena.allocateFrom("Apache-2.0");
            MemorySegment log = arena.allocate(LOG_SIZE);
            MemorySegment name = arena.allocateFrom("jrunc_devices");
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_CGROUP_DEVICE);
            attr.set(ValueLayout.JAVA_INT, 4, program.length / INSN_SIZE);
            attr.set(ValueLayout.JAVA_LONG, 8, insns.address());
            attr.set(ValueLayout.JAVA_LONG, 16, license.address());
            attr.set(ValueLayout.JAVA_INT, 24, 1); // log_level: the verifier says why it refuses
            attr.set(ValueLayout.JAVA_INT, 28, LOG_SIZE);
            attr.set(ValueLayout.JAVA_LONG, 32, log.address());
            MemorySegment.copy(name, 0, attr, 48, Math.min(name.byteSize(), 15));
            long fd = syscallRaw(arena, NR().bpf(), BPF_PROG_LOAD, attr.address(), ATTR_SIZE, 0);
            if (fd < 0) {
                int errno = (int) -fd;
                String verifier = log.getString(0, StandardCharsets.UTF_8).strip();
                throw new BpfException("bpf(BPF_PROG_LOAD, prog_type=BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt="
                        + program.length / INSN_SIZE + "): " + strerror(errno)
                        + (verifier.isEmpty() ? "" : "; verifier: " + verifier), errno);
            }
            return (int) fd;
        }
    }

    static void attach(int cgroupFd, int progFd, Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
            attr.set(ValueLayout.JAVA_INT, 4, progFd);
            attr.set(ValueLayout.JAVA_INT, 8, BPF_CGROUP_DEVICE);
            attr.set(ValueLayout.JAVA_INT, 12, BPF_F_ALLOW_MULTI);
            check(syscallRaw(arena, NR().bpf(), BPF_PROG_ATTACH, attr.address(), ATTR_SIZE, 0),
                    "bpf(BPF_PROG_ATTACH, target=" + dir + ", prog_fd=" + progFd
                            + ", attach_type=BPF_CGROUP_DEVICE, flags=BPF_F_ALLOW_MULTI)");
        }
    }

    static void detach(int cgroupFd, int progFd, Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
            attr.set(ValueLayout.JAVA_INT, 4, progFd);
            attr.set(ValueLayout.JAVA_INT, 8, BPF_CGROUP_DEVICE);
            check(syscallRaw(arena, NR().bpf(), BPF_PROG_DETACH, attr.address(), ATTR_SIZE, 0),
                    "bpf(BPF_PROG_DETACH, target=" + dir + ", prog_fd=" + progFd + ", attach_type=BPF_CGROUP_DEVICE)");
        }
    }

    /** IDs of the device programs attached directly to the cgroup. */
    static List<Integer> queryDeviceProgramIds(int cgroupFd, Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            int max = 64;
            MemorySegment ids = arena.allocate(4L * max, 4);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
            attr.set(ValueLayout.JAVA_INT, 4, BPF_CGROUP_DEVICE);
            attr.set(ValueLayout.JAVA_LONG, 16, ids.address());
            attr.set(ValueLayout.JAVA_INT, 24, max);
            check(syscallRaw(arena, NR().bpf(), BPF_PROG_QUERY, attr.address(), ATTR_SIZE, 0),
                    "bpf(BPF_PROG_QUERY, target=" + dir + ", attach_type=BPF_CGROUP_DEVICE)");
            int n = Math.min(attr.get(ValueLayout.JAVA_INT, 24), max);
            List<Integer> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(ids.getAtIndex(ValueLayout.JAVA_INT, i));
            }
            return out;
        }
    }

    static int progFdById(int id) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            attr.set(ValueLayout.JAVA_INT, 0, id);
            return (int) check(syscallRaw(arena, NR().bpf(), BPF_PROG_GET_FD_BY_ID, attr.address(), ATTR_SIZE, 0),
                    "bpf(BPF_PROG_GET_FD_BY_ID, prog_id=" + id + ")");
        }
    }

    static int openDirectory(Path dir) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = arena.allocateFrom(dir.toString());
            return (int) check(syscallRaw(arena, NR().openat(), AT_FDCWD, path.address(),
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), "openat(AT_FDCWD, \"" + dir + "\", O_RDONLY|O_DIRECTORY|O_CLOEXEC)");
        }
    }

    /** close(2), for the fds loadDeviceProgram returns. */
    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            check(syscallRaw(arena, NR().close(), fd, 0, 0, 0), "close(" + fd + ")");
        }
    }

    private static Numbers NR() {
        if (NR == null) {
            throw new JruncException("bpf: unsupported architecture " + System.getProperty("os.arch"));
        }
        return NR;
    }

    private static long check(long result, String call) {
        if (result < 0) {
            int errno = (int) -result;
            throw new BpfException(call + ": " + strerror(errno), errno);
        }
        return result;
    }

    /** Returns the result, or -errno on failure, so callers never see a bare -1. */
    private static long syscallRaw(Arena arena, long nr, long a, long b, long c, long d) {
        MemorySegment state = arena.allocate(CALL_STATE);
        long r;
        try {
            r = (long) SYSCALL.invokeExact(state, nr, a, b, c, d);
        } catch (Throwable t) {
            throw new JruncException("syscall(" + nr + ") could not be called: " + t, t);
        }
        return r == -1 ? -(int) ERRNO.get(state, 0L) : r;
    }

    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(256).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
