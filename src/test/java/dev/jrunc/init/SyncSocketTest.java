package dev.jrunc.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        s.send(SyncMessage.READY);
        s.send(SyncMessage.WARN, "low memory".getBytes(StandardCharsets.UTF_8));
        s.send(SyncMessage.GO, new byte[] {'1', '2'});
        s.send(SyncMessage.FSMOUNT, "0\u0000proc\u0000proc\u0000");
        s.sendFd(SyncMessage.ROOT, 12);
        s.sendFd(SyncMessage.FIFODIR, 13, "exec.fifo");
        s.sendFd(SyncMessage.AGENT, 14, new byte[0]);
        assertEquals(List.of("send(7, \"READY\")", "send(7, \"WARN low memory\")", "send(7, \"GO12\")",
                "send(7, \"FSMOUNT 0\u0000proc\u0000proc\u0000\")", "sendFd(7, 12, \"ROOT\")", "sendFd(7, 13, \"FIFODIR exec.fifo\")",
                "sendFd(7, 14, \"AGENT \")"), sys.calls());
    }

    @Test
    void receiveSplitsAtTheFirstSpace() {
        sys.receive("PLAN {\"a\": \"b c\"}").receive("READY").receive("ERROR ");
        SyncSocket s = new SyncSocket(sys, 7);
        SyncSocket.Message plan = s.receive();
        assertEquals(SyncMessage.PLAN, plan.kind());
        assertEquals("{\"a\": \"b c\"}", plan.text());
        SyncSocket.Message ready = s.receive();
        assertEquals(SyncMessage.READY, ready.kind());
        assertArrayEquals(new byte[0], ready.payload());
        assertEquals(-1, ready.fd());
        assertEquals("", s.receive().text());
        assertNull(s.receive(), "the peer closed");
    }

    @Test
    void expectNamesWhatWasWantedAndWhatCame() {
        sys.receive("ERROR boom");
        SyncSocket s = new SyncSocket(sys, 7);
        assertEquals("expected PLAN on the sync socket, got ERROR",
                assertThrows(SyncProtocolException.class, () -> s.expect(SyncMessage.PLAN)).getMessage());
        assertEquals("the runtime closed the sync socket while the init waited for PLAN",
                assertThrows(JruncException.class, () -> s.expect(SyncMessage.PLAN)).getMessage());
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
                sender.send(SyncMessage.PLAN, payload);
                sender.send(SyncMessage.CREATED);
            });
            SyncSocket.Message m = receiver.receive();
            assertEquals(SyncMessage.PLAN, m.kind());
            assertArrayEquals(payload, m.payload());
            assertEquals(SyncMessage.CREATED, receiver.receive().kind());
            t.join();
        }
    }

    @Test
    void longMessagesGoAsMorePackets() {
        SyncSocket s = new SyncSocket(sys, 7);
        s.send(SyncMessage.PLAN, new byte[SyncSocket.CHUNK * 2 + 1]);
        assertEquals(3, sys.calls("send").size());
        assertEquals(true, sys.calls("send").get(0).startsWith("send(7, \"MORE "));
        assertEquals(true, sys.calls("send").get(2).startsWith("send(7, \"PLAN "));
    }

    @Test
    void anUnknownWordIsATypedErrorNamingIt() {
        sys.receive("HELLO world").receive("READY");
        SyncSocket s = new SyncSocket(sys, 7);
        SyncProtocolException e = assertThrows(SyncProtocolException.class, s::receive);
        assertEquals("unknown message \"HELLO\" on the sync socket", e.getMessage());
        assertEquals(SyncMessage.READY, s.receive().kind(), "the socket goes on with the next packet");
    }

    @Test
    void anUnknownWordWithADescriptorDoesNotLeakIt() {
        sys.receiveWithFd("BOGUS", "stray");
        SyncSocket s = new SyncSocket(sys, 7);
        assertThrows(SyncProtocolException.class, s::receive);
        assertTrue(sys.openFds().values().stream().noneMatch("stray"::equals), "closed: " + sys.openFds());
    }

    @Test
    void aBinaryOrLongWordIsShownShortAndPrintable() {
        sys.receive("\u0001" + "X".repeat(60));
        SyncProtocolException e = assertThrows(SyncProtocolException.class, () -> new SyncSocket(sys, 7).receive());
        assertEquals("unknown message \"?" + "X".repeat(39) + "...\" on the sync socket", e.getMessage());
    }

    @Test
    void aMessageThatCarriesADescriptorMustHaveOne() {
        sys.receive("CONSOLE /dev/pts/0");
        SyncProtocolException e = assertThrows(SyncProtocolException.class, () -> new SyncSocket(sys, 7).receive());
        assertEquals("CONSOLE came without its descriptor", e.getMessage());
    }

    @Test
    void theDescriptorIsTheReceiversOnlyOnceTaken() {
        sys.receiveWithFd("CONSOLE /dev/pts/3", "pty master").receive("CREATED")
                .receiveWithFd("FSMOUNTED", "fsmount:proc").receive("CREATED");
        SyncSocket s = new SyncSocket(sys, 7);
        SyncSocket.Message console = s.receive();
        assertEquals("/dev/pts/3", console.text());
        assertEquals("pty master", sys.pathOf(console.fd()));
        s.receive();
        assertTrue(sys.calls().contains("close(" + console.fd() + ")"), "not taken: closed at the next receive");
        SyncSocket.Message ctx = s.receive();
        assertEquals(ctx.fd(), s.takeFd());
        s.receive();
        assertTrue(!sys.calls().contains("close(" + ctx.fd() + ")"), "taken: the receiver's to close");
    }

    @Test
    void aMessageTheHelperReadsIsNeverSplit() {
        // jrunc-nsexec reads one packet per message and knows no MORE
        SyncSocket s = new SyncSocket(sys, 7);
        assertThrows(JruncException.class, () -> s.send(SyncMessage.FSMOUNT, new byte[SyncSocket.CHUNK + 1]));
        assertTrue(sys.calls("send").isEmpty(), sys.calls().toString());
        s.send(SyncMessage.GO, new byte[SyncSocket.CHUNK + 1]);
        assertEquals(1, sys.calls("send").size(), "GO goes whole");
    }
}
