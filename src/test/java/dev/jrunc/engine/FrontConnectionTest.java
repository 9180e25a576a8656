package dev.jrunc.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.invocation.Caller;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Syscalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The engine's requests to the front, as they go on the wire: a Java stand-in for the front reads
 * them from the other end of a socket pair, decodes them as front.c does, and answers.
 */
class FrontConnectionTest {
    private final Syscalls sys = Syscalls.linux();
    private Channel engineSide;
    private Channel frontSide;
    private FrontConnection front;

    @BeforeEach
    void pair() {
        int[] fds = sys.socketpair(Linux.AF_UNIX, Linux.SOCK_SEQPACKET | Linux.SOCK_CLOEXEC);
        engineSide = new Channel(sys, fds[0]);
        frontSide = new Channel(sys, fds[1]);
        front = new FrontConnection(sys, engineSide);
    }

    @AfterEach
    void close() {
        engineSide.close();
        frontSide.close();
    }

    @Test
    void spawnSendsTheProgramArgvEnvAndFdMap() throws Exception {
        int[] pipe = sys.socketpair(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC);
        CompletableFuture<Packet> asked = CompletableFuture.supplyAsync(() -> {
            Packet p = frontSide.receive();
            frontSide.send(Message.SPAWNED, Packet.ints(4242));
            return p;
        });
        int pid = front.spawn(Caller.Program.atPath("/usr/lib/jrunc/jrunc-nsexec"), List.of("jrunc-nsexec", "enter", "--"),
                List.of("A=1", "B=2"), Map.of(pipe[1], 7));
        assertEquals(4242, pid);
        Packet p = asked.get();
        assertEquals(Message.SPAWN, p.type());
        ByteBuffer b = ByteBuffer.wrap(p.payload()).order(ByteOrder.nativeOrder());
        assertEquals(0, b.getInt(), "flags: program by path");
        assertEquals(1, b.getInt(), "one mapped fd");
        assertEquals(7, b.getInt(), "its number in the child");
        assertEquals(3, b.getInt(), "argc");
        assertEquals(2, b.getInt(), "envc");
        assertEquals(List.of("/usr/lib/jrunc/jrunc-nsexec", "jrunc-nsexec", "enter", "--", "A=1", "B=2"),
                Packet.strings(p.payload(), b.position()));
        assertEquals(1, p.fds().length, "the mapped fd travels with the message");
        // The fd that arrived is the same socket: what is written to it comes out of the pair's other end.
        sys.write(p.fds()[0], "through".getBytes(StandardCharsets.US_ASCII));
        assertEquals("through", new String(sys.read(pipe[0], 100), StandardCharsets.US_ASCII));
        for (int fd : new int[] {p.fds()[0], pipe[0], pipe[1]}) sys.close(fd);
    }

    @Test
    void anEnvironmentTooLargeForOneMessageTravelsInAMemfdAttachedLast() throws Exception {
        // 1 MiB: far above a datagram's default send buffer, which an unprivileged engine cannot raise.
        String big = "BIG=" + "e".repeat(1 << 20);
        CompletableFuture<Packet> asked = CompletableFuture.supplyAsync(() -> {
            Packet p = frontSide.receive();
            frontSide.send(Message.SPAWNED, Packet.ints(77));
            return p;
        });
        assertEquals(77, front.spawn(Caller.Program.atPath("/bin/true"), List.of("true"), List.of("A=1", big), Map.of()));
        Packet p = asked.get();
        ByteBuffer b = ByteBuffer.wrap(p.payload()).order(ByteOrder.nativeOrder());
        assertEquals(FrontConnection.STRINGS_IN_FD, b.getInt(), "flags: program by path, strings in a memfd");
        assertEquals(0, b.getInt(), "no mapped fd");
        assertEquals(1, b.getInt(), "argc");
        assertEquals(2, b.getInt(), "envc");
        assertEquals(b.position(), p.payload().length, "the message itself carries no strings");
        assertEquals(1, p.fds().length, "the memfd travels with the message");
        java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
        try (var in = new java.io.FileInputStream("/proc/self/fd/" + p.fds()[0])) {
            in.transferTo(text);
        }
        assertEquals(List.of("/bin/true", "true", "A=1", big), Packet.strings(text.toByteArray(), 0));
        sys.close(p.fds()[0]);
    }

    @Test
    void argumentsAndEnvironmentBeyondWhatTheFrontReadsAreRefusedNamingTheWayOut() {
        String huge = "H=" + "h".repeat(FrontConnection.MAX_SPAWN_STRINGS);
        JruncException e = assertThrows(JruncException.class,
                () -> front.spawn(Caller.Program.atPath("/bin/true"), List.of("true"), List.of(huge), Map.of()));
        assertTrue(e.getMessage().contains("JRUNC_ENGINE=off"), e.getMessage());
    }

    @Test
    void spawnOfAnFdSendsItFirstAndFlagsIt() throws Exception {
        int memfd = sys.memfdCreate("prog", Linux.MFD_CLOEXEC);
        CompletableFuture<Packet> asked = CompletableFuture.supplyAsync(() -> {
            Packet p = frontSide.receive();
            frontSide.send(Message.SPAWNED, Packet.ints(99));
            return p;
        });
        front.spawn(Caller.Program.ofFd(memfd), List.of("x"), List.of(), Map.of());
        Packet p = asked.get();
        assertEquals(1, p.int32(0), "flags: program is the first fd");
        assertEquals(0, p.int32(1));
        assertEquals(List.of("", "x"), Packet.strings(p.payload(), 16));
        assertEquals(1, p.fds().length);
        for (int fd : p.fds()) sys.close(fd);
        sys.close(memfd);
    }

    @Test
    void aSpawnTheFrontCouldNotDoIsAnErrorWithItsReason() {
        CompletableFuture.runAsync(() -> {
            frontSide.receive();
            frontSide.send(Message.SPAWNED, Packet.concat(Packet.ints(-2), Packet.strings(List.of("No such file or directory"))));
        });
        JruncException e = assertThrows(JruncException.class,
                () -> front.spawn(Caller.Program.atPath("/nope"), List.of("nope"), List.of(), Map.of()));
        assertTrue(e.getMessage().contains("cannot start nope: No such file or directory"), e.getMessage());
    }

    @Test
    void waitSendsThePidAndTheTerminalAndReturnsTheExitStatus() throws Exception {
        int[] pty = sys.socketpair(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC);
        CompletableFuture<Packet> asked = CompletableFuture.supplyAsync(() -> {
            Packet p = frontSide.receive();
            frontSide.send(Message.EXITED, Packet.ints(p.int32(0), 137));
            return p;
        });
        assertEquals(137, front.waitForExit(31, pty[0]));
        Packet p = asked.get();
        assertEquals(Message.WAIT, p.type());
        assertEquals(31, p.int32(0));
        assertEquals(1, p.fds().length, "the pty master goes to the front");
        for (int fd : p.fds()) sys.close(fd);
        sys.close(pty[1]);
    }

    @Test
    void foregroundVerbsAreAnnouncedAndForwardingNamesThePid() {
        front.verb("run", "c1", true);
        front.foreground(); // already announced: no second message
        front.forwardSignals(77);
        Packet verb = frontSide.receive();
        assertEquals(Message.VERB, verb.type());
        assertEquals(1, verb.int32(0));
        assertEquals(List.of("run", "c1"), Packet.strings(verb.payload(), 4));
        Packet forward = frontSide.receive();
        assertEquals(Message.FORWARD, forward.type());
        assertEquals(77, forward.int32(0));
    }

    @Test
    void aFrontThatWentAwayIsNoticed() {
        assertTrue(!front.gone());
        frontSide.close();
        assertTrue(front.gone());
        assertThrows(JruncException.class, () -> front.waitForExit(1, -1));
    }
}
