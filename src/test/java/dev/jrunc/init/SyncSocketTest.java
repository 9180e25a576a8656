package dev.jrunc.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jrunc.JruncException;
import dev.jrunc.linux.RecordingSyscalls;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyncSocketTest {
    private final RecordingSyscalls sys = new RecordingSyscalls();

    @Test
    void sendsWordAndPayloadSeparatedByOneSpace() {
        SyncSocket s = new SyncSocket(sys, 7);
        s.send("READY");
        s.send("WARN", "low memory".getBytes(StandardCharsets.UTF_8));
        s.sendRaw("GO", new byte[] {'1', '2'});
        assertEquals(List.of("send(7, \"READY\")", "send(7, \"WARN low memory\")", "send(7, \"GO12\")"), sys.calls());
    }

    @Test
    void receiveSplitsAtTheFirstSpace() {
        sys.receive("PLAN {\"a\": \"b c\"}").receive("START").receive("ERROR ");
        SyncSocket s = new SyncSocket(sys, 7);
        SyncSocket.Message plan = s.receive();
        assertEquals("PLAN", plan.word());
        assertEquals("{\"a\": \"b c\"}", plan.text());
        SyncSocket.Message start = s.receive();
        assertEquals("START", start.word());
        assertArrayEquals(new byte[0], start.payload());
        assertEquals("", s.receive().text());
        assertNull(s.receive(), "the peer closed");
    }

    @Test
    void expectNamesWhatWasWantedAndWhatCame() {
        sys.receive("ERROR boom");
        SyncSocket s = new SyncSocket(sys, 7);
        assertEquals("expected PLAN on the sync socket, got ERROR",
                assertThrows(JruncException.class, () -> s.expect("PLAN")).getMessage());
        assertEquals("the runtime closed the sync socket while the init waited for PLAN",
                assertThrows(JruncException.class, () -> s.expect("PLAN")).getMessage());
    }

    @Test
    void closeClosesOnce() {
        int[] pair = sys.socketpair(dev.jrunc.linux.Linux.AF_UNIX, dev.jrunc.linux.Linux.SOCK_SEQPACKET);
        SyncSocket s = new SyncSocket(sys, pair[0]);
        s.close();
        s.close();
        assertEquals(List.of("close(" + pair[0] + ")"), sys.calls("close"));
    }

    @Test
    void aMessageLargerThanOnePacketArrivesWhole() throws Exception {
        // A SOCK_SEQPACKET packet must fit the send buffer (about 200 KiB); the init plan carries
        // process.args and process.env, which execve allows up to 6 MiB of.
        dev.jrunc.linux.Syscalls real = dev.jrunc.linux.Syscalls.linux();
        int[] pair = real.socketpair(dev.jrunc.linux.Linux.AF_UNIX,
                dev.jrunc.linux.Linux.SOCK_SEQPACKET | dev.jrunc.linux.Linux.SOCK_CLOEXEC);
        byte[] payload = new byte[3 * 1024 * 1024 + 17];
        new java.util.Random(7).nextBytes(payload);
        try (SyncSocket sender = new SyncSocket(real, pair[0]); SyncSocket receiver = new SyncSocket(real, pair[1])) {
            Thread t = Thread.ofPlatform().start(() -> {
                sender.send("PLAN", payload);
                sender.send("DONE");
            });
            SyncSocket.Message m = receiver.receive();
            assertEquals("PLAN", m.word());
            assertArrayEquals(payload, m.payload());
            assertEquals("DONE", receiver.receive().word());
            t.join();
        }
    }

    @Test
    void longMessagesGoAsMorePackets() {
        SyncSocket s = new SyncSocket(sys, 7);
        s.send("PLAN", new byte[SyncSocket.CHUNK * 2 + 1]);
        assertEquals(3, sys.calls("send").size());
        assertEquals(true, sys.calls("send").get(0).startsWith("send(7, \"MORE "));
        assertEquals(true, sys.calls("send").get(2).startsWith("send(7, \"PLAN "));
    }
}
