package dev.jrunc.conformance;

import static dev.jrunc.conformance.ExecTestSupport.FIXTURES;
import static dev.jrunc.conformance.ExecTestSupport.JRUNC;
import static dev.jrunc.conformance.ExecTestSupport.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * process.terminal: the pty master handed to --console-socket (the test is the engine, with a
 * small python receiver doing SCM_RIGHTS), `exec -t`, a foreground `run` relaying a real
 * terminal (tmux),
 * and the rules tying terminal and --console-socket together.
 */
class TerminalIT {
    @TempDir Path tmp;
    ExecTestSupport t;
    final List<Process> started = new ArrayList<>();
    String tmuxServer;

    @BeforeEach
    void setUp() {
        t = new ExecTestSupport(tmp);
    }

    @AfterEach
    void cleanUp() {
        if (tmuxServer != null) ExecTestSupport.runCommand(List.of("tmux", "-L", tmuxServer, "kill-server"), Map.of(), null, tmp, 10);
        t.deleteAll();
        for (Process p : started) p.destroyForcibly();
    }

    private ObjectNode terminalConfig() {
        ObjectNode c = t.config("sh");
        ExecTestSupport.process(c).put("terminal", true);
        ExecTestSupport.addTmp(c);
        return c;
    }

    @Test
    void consoleSocketGetsTheMasterForCreateAndExec() throws Exception {
        ObjectNode c = terminalConfig();
        ExecTestSupport.process(c).putObject("consoleSize").put("height", 33).put("width", 101);
        Path bundle = t.bundle("tty", c);

        Receiver init = receiver("init.sock");
        t.jrunc("create", "--console-socket", init.socket.toString(), "--bundle", bundle.toString(), "tty").expect(0);
        init.await("pty /dev/pts/\\d+");
        t.jrunc("start", "tty").expect(0);
        init.send("echo hi-$((6*7))\n");
        init.await("hi-42");
        init.send("stty size; tty\n");
        Matcher size = init.await("(\\d+) (\\d+)\\r?\\n(/dev/pts/\\d+)");
        assertEquals("33 101", size.group(1) + " " + size.group(2));
        String initTty = size.group(3);

        // exec -t: a second pty, handed to its own socket; exec waits and passes the status through.
        Receiver exec = receiver("exec.sock");
        Process execJrunc = start(List.of(JRUNC.toString(), "--root", t.root.toString(), "exec", "-t",
                "--console-socket", exec.socket.toString(), "tty", "sh"));
        Matcher execPty = exec.await("pty (/dev/pts/\\d+)");
        exec.send("echo exec-$((2*3)) $(tty)\n");
        Matcher execTty = exec.await("exec-6 (/dev/pts/\\d+)");
        assertEquals(execPty.group(1), execTty.group(1));
        assertFalse(execTty.group(1).equals(initTty), "exec -t gets its own pty, not the init's " + initTty);
        exec.send("exit 5\n");
        assertTrue(execJrunc.waitFor(20, TimeUnit.SECONDS), "exec -t returns when its process exits");
        assertEquals(5, execJrunc.exitValue());

        init.send("exit 3\n");
        waitUntil("the container to stop", 10_000, () -> t.state("tty").get("status").asText().equals("stopped"));
        t.jrunc("delete", "tty").expect(0);
    }

    @Test
    void runWithTerminalAndNoSocketRelaysTheCallersTerminal() {
        Path bundle = t.bundle("run-t", terminalConfig());
        tmuxServer = "jrunc-test-" + ProcessHandle.current().pid();
        String command = "'" + JRUNC + "' --root '" + t.root + "' run --bundle '" + bundle + "' run-t; echo EXIT=$?; sleep 60";
        tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", command);
        awaitPane("/ #");
        tmux("send-keys", "-t", "t", "echo hi-$((6*7)); stty size", "Enter");
        awaitPane("hi-42");
        awaitPane("30 100"); // the relay gave the pty the caller's window size
        tmux("send-keys", "-t", "t", "exit 4", "Enter");
        awaitPane("EXIT=4");
        assertFalse(Files.exists(t.root.resolve("run-t")), "run deleted the container");
    }

    @Test
    void theTerminalBelongsToTheUserAndKeepsTheTtyGroup() throws Exception {
        // jrunc spec mounts devpts with gid=5: the pty's group stays tty, only its owner changes.
        ObjectNode c = terminalConfig();
        ExecTestSupport.setArgs(c, "sh", "-c", "echo tty-owner=$(stat -c %u:%g $(tty)); sleep 1000");
        ExecTestSupport.process(c).putObject("user").put("uid", 1000).put("gid", 1000);
        Path bundle = t.bundle("owner", c);
        tmuxServer = "jrunc-test-" + ProcessHandle.current().pid();
        String command = "'" + JRUNC + "' --root '" + t.root + "' run --bundle '" + bundle + "' owner; sleep 60";
        tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "30", command);
        awaitPane("tty-owner=1000:5");

        // exec -t as another user, its pty handed to a console socket
        Receiver exec = receiver("owner-exec.sock");
        start(List.of(JRUNC.toString(), "--root", t.root.toString(), "exec", "-t", "--user", "1001:1001",
                "--console-socket", exec.socket.toString(), "owner", "sh", "-c", "echo exec-owner=$(stat -c %u:%g $(tty))"));
        exec.await("exec-owner=1001:5");
    }

    @Test
    void createWithTerminalNeedsAConsoleSocket() {
        Path bundle = t.bundle("no-socket", terminalConfig());
        ExecTestSupport.Result r = t.jrunc("create", "--bundle", bundle.toString(), "no-socket");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("--console-socket") && r.err().contains("terminal"), r.toString());
        assertFalse(Files.exists(t.root.resolve("no-socket")), "nothing left behind");
    }

    @Test
    void consoleSocketWithoutTerminalIsRefused() {
        Path bundle = t.bundle("no-terminal", t.config("sh"));
        ExecTestSupport.Result r = t.jrunc("create", "--console-socket", tmp.resolve("unused.sock").toString(),
                "--bundle", bundle.toString(), "no-terminal");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("--console-socket") && r.err().contains("terminal"), r.toString());
        assertFalse(Files.exists(t.root.resolve("no-terminal")), "nothing left behind");
    }

    private void tmux(String... args) {
        List<String> argv = new ArrayList<>(List.of("tmux", "-L", tmuxServer));
        argv.addAll(List.of(args));
        ExecTestSupport.runCommand(argv, Map.of("TERM", "xterm"), null, tmp, 10).expect(0);
    }

    private void awaitPane(String text) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        String pane = pane();
        while (!pane.contains(text)) {
            if (System.nanoTime() > deadline) fail("no \"" + text + "\" in the tmux pane:\n" + pane);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            pane = pane();
        }
    }

    private String pane() {
        return ExecTestSupport.runCommand(List.of("tmux", "-L", tmuxServer, "capture-pane", "-p", "-t", "t"),
                Map.of(), null, tmp, 10).out();
    }

    private Process start(List<String> argv) throws IOException {
        Path log = tmp.resolve("process-" + started.size() + ".log");
        Process p = new ProcessBuilder(argv).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        started.add(p);
        return p;
    }

    private Receiver receiver(String name) throws IOException {
        Receiver r = new Receiver(tmp.resolve(name));
        r.await("listening");
        return r;
    }

    /** The python console-socket receiver: what it read from the pty is collected as text. */
    final class Receiver {
        final Path socket;
        final Process process;
        final StringBuilder seen = new StringBuilder();
        final OutputStream in;

        Receiver(Path socket) throws IOException {
            this.socket = socket;
            this.process = new ProcessBuilder("python3", FIXTURES.resolve("console-receiver.py").toString(),
                    socket.toString()).redirectErrorStream(true).start();
            started.add(process);
            this.in = process.getOutputStream();
            Thread.ofVirtual().start(() -> {
                try (InputStream out = process.getInputStream()) {
                    byte[] b = new byte[4096];
                    int n;
                    while ((n = out.read(b)) > 0) {
                        synchronized (seen) {
                            seen.append(new String(b, 0, n, StandardCharsets.UTF_8));
                        }
                    }
                } catch (IOException e) {
                    // the receiver ended
                }
            });
        }

        void send(String text) throws IOException {
            in.write(text.getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        /** Waits for the pattern in what the pty printed (our own typing is echoed too). */
        Matcher await(String regex) {
            Pattern p = Pattern.compile(regex);
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (System.nanoTime() < deadline) {
                synchronized (seen) {
                    Matcher m = p.matcher(seen.toString());
                    if (m.find()) {
                        seen.delete(0, m.end());
                        return m;
                    }
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            synchronized (seen) {
                return fail("no /" + regex + "/ from the console receiver on " + socket + "; it printed:\n" + seen);
            }
        }
    }
}
