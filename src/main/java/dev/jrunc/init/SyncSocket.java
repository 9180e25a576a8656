package dev.jrunc.init;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Syscalls;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The runtime's end, or the init's end, of the SOCK_SEQPACKET pair that orders container
 * creation. One packet is one message: a word, optionally a space and a payload.
 */
public final class SyncSocket implements AutoCloseable {
    public static final int MAX_MESSAGE = 1 << 20;
    /**
     * A longer message goes as "MORE" packets of this size and a last one: one packet must fit
     * the socket's send buffer (net.core.wmem_default, about 200 KiB), and the init plan carries
     * process.args and process.env, which execve allows up to 6 MiB of.
     */
    static final int CHUNK = 64 * 1024;
    private static final String MORE = "MORE";

    private final Syscalls sys;
    private final int fd;
    private boolean closed;
    private int receivedFd = -1;

    public SyncSocket(Syscalls sys, int fd) {
        this.sys = sys;
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    /** A received packet, split into its word and payload; a descriptor it carried is {@link #takeFd}'s. */
    public record Message(String word, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    public void send(String word) {
        sys.send(fd, word.getBytes(StandardCharsets.UTF_8));
    }

    public void send(String word, byte[] payload) {
        int at = 0;
        while (payload.length - at > CHUNK) {
            sys.send(fd, packet(MORE + " ", payload, at, CHUNK));
            at += CHUNK;
        }
        sys.send(fd, packet(word + " ", payload, at, payload.length - at));
    }

    private static byte[] packet(String head, byte[] payload, int from, int length) {
        byte[] w = head.getBytes(StandardCharsets.UTF_8);
        byte[] msg = Arrays.copyOf(w, w.length + length);
        System.arraycopy(payload, from, msg, w.length, length);
        return msg;
    }

    /** Sends a word followed directly by binary data, no separator (the native helper's GO). */
    public void sendRaw(String word, byte[] payload) {
        byte[] w = word.getBytes(StandardCharsets.UTF_8);
        byte[] msg = Arrays.copyOf(w, w.length + payload.length);
        System.arraycopy(payload, 0, msg, w.length, payload.length);
        sys.send(fd, msg);
    }

    /**
     * The next message, or null when every peer has closed its end. A descriptor it carried
     * (SCM_RIGHTS) is kept for {@link #takeFd}; one not taken is closed at the next receive.
     */
    public Message receive() {
        dropFd();
        java.io.ByteArrayOutputStream more = null;
        while (true) {
            Syscalls.FdMessage r = sys.recvFd(fd);
            if (r == null) return null;
            receivedFd = r.fd();
            byte[] b = r.payload();
            int sp = 0;
            while (sp < b.length && b[sp] != ' ') sp++;
            String word = new String(b, 0, sp, StandardCharsets.US_ASCII);
            int from = Math.min(sp + 1, b.length);
            if (word.equals(MORE)) {
                if (more == null) more = new java.io.ByteArrayOutputStream();
                more.write(b, from, b.length - from);
                dropFd();
                continue;
            }
            if (more == null) return new Message(word, Arrays.copyOfRange(b, from, b.length));
            more.write(b, from, b.length - from);
            return new Message(word, more.toByteArray());
        }
    }

    /** The descriptor the last message carried (the caller owns it now), or -1. */
    public int takeFd() {
        int f = receivedFd;
        receivedFd = -1;
        return f;
    }

    private void dropFd() {
        if (receivedFd >= 0) {
            sys.close(receivedFd);
            receivedFd = -1;
        }
    }

    public Message expect(String word) {
        Message m = receive();
        if (m == null) throw new JruncException("the runtime closed the sync socket while the init waited for " + word);
        if (!m.word().equals(word)) throw new JruncException("expected " + word + " on the sync socket, got " + m.word());
        return m;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            dropFd();
            sys.close(fd);
        }
    }
}
