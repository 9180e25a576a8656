package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.linux.Syscalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * File descriptors into the container: --preserve-fds, nothing else leaking, systemd socket
 * activation (LISTEN_FDS) and sd_notify through NOTIFY_SOCKET.
 */
class FdsIT {
    @TempDir Path tmp;
    ExecTestSupport t;
    Path first;
    Path second;

    @BeforeEach
    void setUp() {
        t = new ExecTestSupport(tmp);
        first = tmp.resolve("first.txt");
        second = tmp.resolve("second.txt");
        ExecTestSupport.write(first, "first-file\n");
        ExecTestSupport.write(second, "second-file\n");
    }

    @AfterEach
    void cleanUp() {
        t.deleteAll();
    }

    /** A foreground `run` through bash, which opens the extra fds first. */
    private ExecTestSupport.Result runWithFds(String id, String fdSetup, String envPrefix, String runFlags, String script) {
        Path bundle = t.bundle(id, t.config("sh", "-c", script));
        return t.bash(fdSetup + "; " + envPrefix + " exec \"$JRUNC\" --root \"$ROOT\" run " + runFlags + " --bundle '"
                + bundle + "' " + id, Map.of());
    }

    @Test
    void preservedFdsAreReadableAndTheOnlyExtraOnes() {
        ExecTestSupport.Result r = runWithFds("preserve", "exec 3<'" + first + "' 4<'" + second + "'", "",
                "--preserve-fds 2", "cat <&3; cat <&4; ls /proc/self/fd | tr '\\n' ' '").expect(0);
        // 0-2, the two preserved fds, and ls's own directory fd (5)
        assertEquals(List.of("first-file", "second-file", "0 1 2 3 4 5"), ExecTestSupport.lines(r.out()), r.toString());
    }

    @Test
    void withoutPreserveFdsTheCallersFdsStayOutside() {
        ExecTestSupport.Result r = runWithFds("no-preserve", "exec 3<'" + first + "' 7<'" + second + "'", "", "",
                "ls /proc/self/fd | tr '\\n' ' '; echo; cat <&3 || echo no-fd-3").expect(0);
        // 0-2 and ls's own directory fd (3)
        List<String> out = ExecTestSupport.lines(r.out());
        assertEquals(List.of("0 1 2 3", "no-fd-3"), out, r.toString());
        assertFalse(r.out().contains("first-file"));
    }

    @Test
    void socketActivationFdsPassWithListenEnv() {
        ExecTestSupport.Result r = runWithFds("listen", "exec 3<'" + first + "'", "LISTEN_PID=$$ LISTEN_FDS=1", "",
                "echo \"LISTEN_FDS=$LISTEN_FDS LISTEN_PID=$LISTEN_PID\"; cat <&3; ls /proc/self/fd | tr '\\n' ' '").expect(0);
        assertEquals(List.of("LISTEN_FDS=1 LISTEN_PID=1", "first-file", "0 1 2 3 4"), ExecTestSupport.lines(r.out()),
                r.toString());
    }

    @Test
    void notifySocketGetsReadyOnlyAfterStart() {
        Path tools = tmp.resolve("tools");
        ExecTestSupport.write(tools.resolve(".keep"), "");
        ExecTestSupport.compileStatic("sd-notify.c", tools, "sd-notify");
        ObjectNode c = t.config("sh", "-c", "sleep 1; /tools/sd-notify READY=1; exec sleep 1000");
        ExecTestSupport.addMount(c, "/tools", "bind", tools.toString(), "rbind", "ro");
        Path bundle = t.bundle("notify", c);

        Syscalls sys = Syscalls.linux();
        String socket = tmp.resolve("notify.sock").toString();
        int fd = sys.bindUnixDatagram(socket);
        try {
            Map<String, String> env = Map.of("NOTIFY_SOCKET", socket);
            run(List.of("--root", t.root.toString(), "create", "--bundle", bundle.toString(), "notify"), env).expect(0);
            int pid = t.initPid("notify");
            assertFalse(sys.pollIn(fd, 300), "nothing is sent to NOTIFY_SOCKET before start");

            long t0 = System.nanoTime();
            run(List.of("--root", t.root.toString(), "start", "notify"), env).expect(0);
            long startMillis = (System.nanoTime() - t0) / 1_000_000;
            List<String> got = new ArrayList<>();
            while (got.size() < 2 && sys.pollIn(fd, 3_000)) {
                got.add(new String(sys.recv(fd, 4096), StandardCharsets.UTF_8).strip());
            }
            assertEquals(List.of("MAINPID=" + pid, "READY=1"), got);
            // start waits for the container's READY=1 (sent after its `sleep 1`) before passing it on.
            assertTrue(startMillis >= 900, "start returned after " + startMillis + " ms");
        } finally {
            sys.close(fd);
        }
    }

    private ExecTestSupport.Result run(List<String> args, Map<String, String> env) {
        List<String> argv = new ArrayList<>(List.of(ExecTestSupport.JRUNC.toString()));
        argv.addAll(args);
        return ExecTestSupport.runCommand(argv, env, null, tmp, 60);
    }
}
