package dev.jrunc.engine;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Syscalls;

/** One connected SOCK_SEQPACKET socket carrying {@link Packet}s. */
public final class Channel implements AutoCloseable {
    /** Larger than any message the front sends (it splits ARGS and ENV below this). */
    static final int MAX_MESSAGE = 256 * 1024;
    static final int MAX_FDS = 64;

    private final Syscalls sys;
    private final int fd;
    private boolean closed;

    public Channel(Syscalls sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    public void send(Message type, byte[] payload, int... fds) {
        sys.sendFds(fd, new Packet(type, payload).encode(), fds);
    }

    public void send(Message type) {
        send(type, new byte[0]);
    }

    /** The next message, or null when the peer has closed its end. */
    public Packet receive() {
        Syscalls.FdsMessage m = sys.recvFds(fd, MAX_MESSAGE, MAX_FDS);
        if (m == null) return null;
        Packet p = Packet.decode(m.payload(), m.fds());
        if (p == null) {
            for (int f : m.fds()) sys.close(f);
            throw new JruncException("engine protocol: a message of unknown type (" + m.payload().length + " bytes)");
        }
        return p;
    }

    /** The next message, which must be of the given type. */
    public Packet expect(Message type) {
        Packet p = receive();
        if (p == null) throw new PeerGoneException();
        if (p.type() != type) {
            for (int f : p.fds()) sys.close(f);
            throw new JruncException("engine protocol: expected " + type + ", got " + p.type());
        }
        return p;
    }

    public boolean peerClosed() {
        return sys.peerClosed(fd);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            sys.close(fd);
        }
    }

    /** The other end went away in the middle of a conversation. */
    public static final class PeerGoneException extends JruncException {
        public PeerGoneException() {
            super("the jrunc front that asked for this verb has gone away");
        }
    }
}
