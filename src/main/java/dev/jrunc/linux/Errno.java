package dev.jrunc.linux;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** errno values jrunc reacts to, and their text. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int EXDEV = 18;

    private static final String[] NAMES = {
        "0", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
        "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
        "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG",
        "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK",
        "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP"
    };

    private Errno() {}

    public static String name(int errno) {
        return errno >= 0 && errno < NAMES.length ? NAMES[errno] : "errno " + errno;
    }

    /** "Operation not permitted (EPERM)". */
    public static String describe(int errno) {
        return Strerror.text(errno) + " (" + name(errno) + ")";
    }

    private static final class Strerror {
        private static final MethodHandle STRERROR =
                Native.plain("strerror", FunctionDescriptor.of(Native.C_POINTER, Native.C_INT));

        static String text(int errno) {
            try {
                MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
                return s.reinterpret(256).getString(0);
            } catch (Throwable t) {
                return "error " + errno;
            }
        }
    }
}
