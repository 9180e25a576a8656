package dev.jrunc.engine;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One protocol message: its type, payload and attached fds; and the payload's encodings. */
public record Packet(Message type, byte[] payload, int[] fds) {
    static final ByteOrder ORDER = ByteOrder.nativeOrder();

    public Packet(Message type, byte[] payload) {
        this(type, payload, new int[0]);
    }

    /** The wire form: the 4-byte code, then the payload. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(4 + payload.length).order(ORDER);
        return b.putInt(type.code()).put(payload).array();
    }

    /** A packet read off the wire; null if its code is unknown or it is shorter than a code. */
    public static Packet decode(byte[] wire, int[] fds) {
        if (wire.length < 4) return null;
        Message type = Message.of(ByteBuffer.wrap(wire).order(ORDER).getInt());
        if (type == null) return null;
        byte[] payload = new byte[wire.length - 4];
        System.arraycopy(wire, 4, payload, 0, payload.length);
        return new Packet(type, payload, fds);
    }

    public String text() {
        int end = payload.length;
        while (end > 0 && payload[end - 1] == 0) end--;
        return new String(payload, 0, end, StandardCharsets.UTF_8);
    }

    /** The payload as NUL-terminated strings. */
    public List<String> strings() {
        return strings(payload, 0);
    }

    static List<String> strings(byte[] b, int from) {
        List<String> out = new ArrayList<>();
        int start = from;
        for (int i = from; i < b.length; i++) {
            if (b[i] == 0) {
                out.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < b.length) out.add(new String(b, start, b.length - start, StandardCharsets.UTF_8));
        return out;
    }

    public int int32(int index) {
        return ByteBuffer.wrap(payload).order(ORDER).getInt(index * 4);
    }

    public static byte[] ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ORDER);
        for (int v : values) b.putInt(v);
        return b.array();
    }

    public static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Each string NUL-terminated, one after the other. */
    public static byte[] strings(List<String> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String s : items) {
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return out.toByteArray();
    }

    /** ints, then strings. */
    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
