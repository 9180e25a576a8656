package dev.jrunc.init;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Syscalls;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The runtime's end, or the init's end, of the SOCK_SEQPACKET pair that orders container
 * creation. One packet is one message ({@link SyncMessage}): a word, optionally a space and a
 * payload.
 */
public final class SyncSocket implements AutoCloseable {
    public static final int MAX_MESSAGE = 1 << 20;
    /**
     * A longer message goes as "MORE" packets of this size and a last one: one packet must fit
     * the socket's send buffer (net.core.wmem_default, about 200 KiB), and the init plan carries
     * process.args and process.env, which execve allows up to 6 MiB of. Only between the runtime
     * and the init JVM: the native helper reads single packets.
     */
    static final int CHUNK = 64 * 1024;

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

    /**
     * A received message: its kind, its payload (after the word and the space) and the descriptor
     * it carried, or -1. The descriptor stays the socket's, closed at the next receive, until
     * {@link #takeFd} hands it over.
     */
    public record Message(SyncMessage kind, byte[] payload, int fd) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    public void send(SyncMessage kind) {
        sys.send(fd, kind.word().getBytes(StandardCharsets.US_ASCII));
    }

    public void send(SyncMessage kind, String text) {
        send(kind, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The word and the payload: after a space, or directly for {@link SyncMessage#GO}. A long
     * message to the init JVM goes in parts (MORE); one the helper reads must fit a packet.
     */
    public void send(SyncMessage kind, byte[] payload) {
        if (kind.raw()) {
            sys.send(fd, packet(kind.word(), payload, 0, payload.length));
            return;
        }
        if (kind.readByHelper() && payload.length > CHUNK) {
            throw new JruncException(kind.word() + " for the native helper is " + payload.length
                    + " bytes, more than one packet of " + CHUNK);
        }
        int at = 0;
        while (payload.length - at > CHUNK) {
            sys.send(fd, packet(SyncMessage.MORE.word() + " ", payload, at, CHUNK));
            at += CHUNK;
        }
        sys.send(fd, packet(kind.word() + " ", payload, at, payload.length - at));
    }

    /** The word alone, with descriptor attached (SCM_RIGHTS). */
    public void sendFd(SyncMessage kind, int descriptor) {
        sys.sendFd(fd, descriptor, kind.word().getBytes(StandardCharsets.US_ASCII));
    }

    public void sendFd(SyncMessage kind, int descriptor, String text) {
        sendFd(kind, descriptor, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The word, a space and the payload in one packet, with descriptor attached. */
    public void sendFd(SyncMessage kind, int descriptor, byte[] payload) {
        sys.sendFd(fd, descriptor, packet(kind.word() + " ", payload, 0, payload.length));
    }

    private static byte[] packet(String head, byte[] payload, int from, int length) {
        byte[] w = head.getBytes(StandardCharsets.US_ASCII);
        byte[] msg = Arrays.copyOf(w, w.length + length);
        System.arraycopy(payload, from, msg, w.length, length);
        return msg;
    }

    /**
     * The next message, or null when every peer has closed its end. A descriptor it carried
     * (SCM_RIGHTS) is kept for {@link #takeFd}; one not taken is closed at the next receive.
     *
     * @throws SyncProtocolException for a word no side of jrunc sends, or a message without the
     *     descriptor that goes with it
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
            SyncMessage kind = SyncMessage.of(word);
            if (kind == null) {
                dropFd();
                throw new SyncProtocolException("unknown message \"" + printable(b, sp) + "\" on the sync socket");
            }
            int from = Math.min(sp + 1, b.length);
            if (kind == SyncMessage.MORE) {
                if (more == null) more = new java.io.ByteArrayOutputStream();
                more.write(b, from, b.length - from);
                dropFd();
                continue;
            }
            if (kind.carriesFd() && receivedFd < 0) {
                throw new SyncProtocolException(kind.word() + " came without its descriptor");
            }
            if (more == null) return new Message(kind, Arrays.copyOfRange(b, from, b.length), receivedFd);
            more.write(b, from, b.length - from);
            return new Message(kind, more.toByteArray(), receivedFd);
        }
    }

    /** At most 40 characters of a word, anything but printable ASCII as '?'. */
    private static String printable(byte[] b, int length) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(length, 40); i++) s.append(b[i] >= 0x20 && b[i] < 0x7f ? (char) b[i] : '?');
        return length > 40 ? s + "..." : s.toString();
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

    /** The next message, which must be of this kind. */
    public Message expect(SyncMessage kind) {
        Message m = receive();
        if (m == null) {
            throw new JruncException("the runtime closed the sync socket while the init waited for " + kind.word());
        }
        if (m.kind() != kind) {
            throw new SyncProtocolException("expected " + kind.word() + " on the sync socket, got " + m.kind().word());
        }
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
