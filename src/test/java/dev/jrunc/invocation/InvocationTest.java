package dev.jrunc.invocation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InvocationTest {
    @TempDir Path tmp;

    private Invocation at(Path cwd, Map<String, String> env) {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        return new Invocation(env, cwd, 027, quiet, quiet, InputStream.nullInputStream(), 42, () -> "0::/x\n",
                LocalCaller.embedded(Syscalls.linux(), -1, -1, -1));
    }

    @Test
    void pathsAreTheCallers() {
        Invocation inv = at(Path.of("/home/someone/work"), Map.of());
        assertEquals(Path.of("/home/someone/work/bundle"), inv.resolve(Path.of("bundle")));
        assertEquals(Path.of("/home/someone/work"), inv.resolve(Path.of("")), "the default bundle, \"\", is the cwd");
        assertEquals(Path.of("/abs/pid"), inv.resolve(Path.of("/abs/pid")));
        assertEquals("/home/someone/work/console.sock", inv.resolveSocket("console.sock"));
        assertEquals("@abstract", inv.resolveSocket("@abstract"), "abstract sockets have no directory");
        assertEquals("/run/x.sock", inv.resolveSocket("/run/x.sock"));
        assertNull(inv.resolveSocket(null));
    }

    @Test
    void theEnvironmentIsTheCallersAndEmptyMeansUnset() {
        Invocation inv = at(tmp, Map.of("NOTIFY_SOCKET", "/run/n.sock", "LISTEN_FDS", ""));
        assertEquals("/run/n.sock", inv.getenv("NOTIFY_SOCKET"));
        assertNull(inv.getenv("LISTEN_FDS"));
        assertNull(inv.getenv("HOME"));
        assertEquals(027, inv.umask());
        assertEquals(42, inv.pid());
        assertEquals("0::/x\n", inv.cgroup());
    }

    @Test
    void aRelativeCwdIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> at(Path.of("relative"), Map.of()));
    }

    @Test
    void theProcessUmaskIsReadWithoutChangingIt() {
        Syscalls sys = Syscalls.linux();
        int before = Invocation.processUmask();
        assertEquals(before, sys.umask(before), "umask(2) reports what /proc/self/status said");
    }

    @Test
    void anEmbeddedCallerGivesTheChildTheFdsItWasAskedToAndReapsIt() throws Exception {
        Syscalls sys = Syscalls.linux();
        Path out = tmp.resolve("out");
        int stdout = sys.open(out.toString(), Linux.O_WRONLY | Linux.O_CREAT | Linux.O_CLOEXEC, 0644);
        int[] extra = sys.socketpair(Linux.AF_UNIX, Linux.SOCK_STREAM | Linux.SOCK_CLOEXEC);
        LocalCaller caller = LocalCaller.embedded(sys, -1, stdout, stdout);
        int pid = caller.spawn(Caller.Program.atPath("/bin/sh"), List.of("sh", "-c", "echo to-stdout; echo to-stderr >&2; echo to-five >&5"),
                List.of(), Map.of(extra[1], 5));
        sys.close(extra[1]);
        caller.reap(pid);
        assertEquals("to-stdout\nto-stderr\n", Files.readString(out), "one fd for both stdout and stderr");
        assertEquals("to-five\n", new String(sys.read(extra[0], 100), StandardCharsets.US_ASCII));
        assertThrows(dev.jrunc.linux.SyscallException.class, () -> sys.waitpid(pid, 0), "reaped already");
        sys.close(stdout);
        sys.close(extra[0]);
    }
}
