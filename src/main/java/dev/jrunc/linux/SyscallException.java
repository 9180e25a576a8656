package dev.jrunc.linux;

import dev.jrunc.JruncException;

/** A system call failed: names the call, its arguments and the kernel's reason. */
public final class SyscallException extends JruncException {
    private final int errno;

    public SyscallException(String call, int errno) {
        super(call + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    /** As above, with what else the kernel said (the verifier's log of a refused BPF program). */
    public SyscallException(String call, int errno, String detail) {
        super(call + ": " + Errno.describe(errno) + "; " + detail);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
