package dev.jrunc.engine;

import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/** Writes to an fd the engine received from a front (the caller's stdout or stderr). */
final class FdOutputStream extends OutputStream {
    private final Syscalls sys;
    private final int fd;

    FdOutputStream(Syscalls sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) return;
        try {
            sys.write(fd, off == 0 && len == b.length ? b : Arrays.copyOfRange(b, off, off + len));
        } catch (SyscallException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
