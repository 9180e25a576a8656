package dev.jrunc.spec;

import java.util.List;

/**
 * The kernel's limits on what a config can ask for, as facts (include/uapi/linux/*.h,
 * fs/exec.c, kernel/user_namespace.c on x86_64 with 4 KiB pages). A value past one of them
 * would only fail later, half-way through create, with the bare errno of some syscall.
 */
public final class KernelLimits {
    /** MAX_ARG_STRLEN: one argv or envp string, its terminating NUL included (32 pages). */
    public static final int MAX_ARG_STRLEN = 32 * 4096;
    /** ARG_MAX: the argv+envp space execve grants whatever the stack limit (32 pages). */
    public static final long ARG_MAX = 32 * 4096;
    /** _STK_LIM / 4 * 3: argv+envp never get more than this, whatever the stack limit. */
    public static final long ARGS_CEILING = 8L * 1024 * 1024 / 4 * 3;
    /** HOST_NAME_MAX (= __NEW_UTS_LEN): sethostname(2) and setdomainname(2) take at most this many bytes. */
    public static final int HOST_NAME_MAX = 64;
    /** PATH_MAX: a path, its terminating NUL included. */
    public static final int PATH_MAX = 4096;
    /** NAME_MAX: one component of a path. */
    public static final int NAME_MAX = 255;
    /** MINORBITS = 20: a device number's minor is 20 bits, its major the 12 above (kdev_t.h). */
    public static final long MAX_MINOR = (1L << 20) - 1;
    public static final long MAX_MAJOR = (1L << 12) - 1;
    /** sizeof(sockaddr_un.sun_path): a unix socket path, its terminating NUL included. */
    public static final int UNIX_PATH_MAX = 108;
    /** The largest uid or gid a process may take: runc's (and shadow's) limit, 2^31 - 1. */
    public static final long MAX_ID = 2147483647L;
    /** The largest value of a uid_map/gid_map field; first + count may not pass it (u32, no wrap). */
    public static final long MAX_MAP_VALUE = 4294967295L;
    /** UID_GID_MAP_MAX_EXTENTS: lines a uid_map or gid_map may have. */
    public static final int MAX_MAP_EXTENTS = 340;

    private KernelLimits() {}

    /** Bytes a string takes as a C string: its UTF-8 encoding and the terminating NUL. */
    public static long cBytes(String s) {
        return utf8Length(s) + 1;
    }

    /** The UTF-8 length of s, without encoding it. */
    public static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * The bytes execve(2) has for the strings of argv and envp (and the file name it copies with
     * them), after the pointers it reserves: fs/exec.c bprm_stack_limits(). A quarter of the soft
     * stack limit, at most 3/4 of _STK_LIM and at least ARG_MAX, less one pointer per string.
     *
     * @param stackSoft the soft RLIMIT_STACK in force at the execve; -1 is unlimited
     */
    public static long execStringSpace(long stackSoft, int argc, int envc) {
        long limit = stackSoft < 0 ? ARGS_CEILING : Math.min(ARGS_CEILING, stackSoft / 4);
        limit = Math.max(limit, ARG_MAX);
        return limit - (long) (Math.max(argc, 1) + envc) * 8;
    }

    /** The C-string bytes of every string of the lists. */
    @SafeVarargs
    public static long stringBytes(List<String>... lists) {
        long n = 0;
        for (List<String> l : lists) {
            for (String s : l) n += cBytes(s);
        }
        return n;
    }
}
