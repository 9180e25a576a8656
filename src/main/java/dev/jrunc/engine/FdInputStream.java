package dev.jrunc.engine;

import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.io.InputStream;

/** Reads from an fd the engine received from a front (the caller's stdin). */
final class FdInputStream extends InputStream {
    private final Syscalls sys;
    private final int fd;

    FdInputStream(Syscalls sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    @Override
    public int read() throws IOException {
        byte[] b = new byte[1];
        return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        try {
            byte[] got = sys.read(fd, len);
            if (got.length == 0) return -1;
            System.arraycopy(got, 0, b, off, got.length);
            return got.length;
        } catch (SyscallException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
