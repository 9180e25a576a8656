package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.init.SetupFailedException;
import dev.jrunc.init.SyncProtocolException;
import dev.jrunc.init.SyncSocket;
import dev.jrunc.invocation.LocalCaller;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.RecordingSyscalls;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The runtime's side of create and exec on the sync socket, against a scripted helper: what is
 * answered when (USERNS_OK, AGENT, GO), what each step is told in which order, how a failure of
 * the helper reaches the caller, and what the undo takes back (the process killed, the helper
 * reaped, the terminal closed).
 */
class LaunchHandshakeTest {
    private static final int HELPER = 4000; // the spawned helper: reaped, never killed
    private static final int PID = 4242; // the container's process
    private static final byte[] FILTER = "\u0001\u0000\u0000\u0000filter".getBytes(StandardCharsets.ISO_8859_1);

    private final RecordingSyscalls sys = new RecordingSyscalls();
    private final int sock = sys.socketpair(Linux.AF_UNIX, Linux.SOCK_SEQPACKET | Linux.SOCK_CLOEXEC)[0];
    private final Undo undo = new Undo();
    private final Steps steps = new Steps();

    /** Records each step; keeps a terminal unless told to hand it on; GO carries FILTER. */
    private final class Steps implements LaunchHandshake.Steps {
        final List<String> seen = new ArrayList<>();
        boolean keepConsole = true;
        int master = -1;
        int agent = -1;
        RuntimeException failReady;

        @Override
        public void userNamespace() {
            seen.add("userNamespace");
        }

        @Override
        public void pidKnown(int pid) {
            seen.add("pidKnown " + pid);
            assertTrue(sys.calls("waitpid").isEmpty(), "the pid is recorded before the helper is reaped");
        }

        @Override
        public void setUp(int pid) {
            seen.add("setUp " + pid);
            assertEquals(List.of("waitpid(" + HELPER + ", 0)"), sys.calls("waitpid"), "the helper is reaped by now");
        }

        @Override
        public void warning(String text) {
            seen.add("warning " + text);
        }

        @Override
        public void made(List<String> paths) {
            seen.add("made " + paths);
        }

        @Override
        public boolean console(int master, String name) {
            seen.add("console " + sys.pathOf(master) + " " + name);
            this.master = master;
            if (!keepConsole) sys.close(master);
            return keepConsole;
        }

        @Override
        public LaunchHandshake.Go ready(int pid) {
            seen.add("ready " + pid);
            assertTrue(sys.calls("send").stream().noneMatch(l -> l.startsWith("send(" + sock + ", \"GO")),
                    "GO only once the process is placed");
            if (failReady != null) throw failReady;
            return agent < 0 ? LaunchHandshake.Go.filter(FILTER)
                    : new LaunchHandshake.Go(FILTER, agent, "{\"pid\":4242}".getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void created(int pid) {
            seen.add("created " + pid);
        }

        @Override
        public void killed(int pid) {
            seen.add("killed " + pid);
        }
    }

    private LaunchHandshake handshake(LaunchHandshake.Launch launch) {
        return new LaunchHandshake(sys, new SyncSocket(sys, sock), launch, HELPER, LocalCaller.directMode(sys), undo, steps);
    }

    private List<String> sent() {
        return sys.calls("send", "sendFd").stream().filter(l -> l.startsWith("send(" + sock + ",")
                || l.startsWith("sendFd(" + sock + ",")).toList();
    }

    /** GO as the fake records it: the filter right after the word. */
    private String go() {
        return "send(" + sock + ", \"GO" + new String(FILTER, StandardCharsets.ISO_8859_1) + "\")";
    }

    /** The next scenario on the same socket: the calls and steps so far forgotten. */
    private void next() {
        sys.clearCalls();
        steps.seen.clear();
    }

    @Test
    void createGoesFromTheUserNamespaceToCreatedAnsweringEachStepInTurn() {
        sys.receive("USERNS").receive("PID " + PID).receive("WARN low memory").receive("MADE [\"/dev/null\",\"/proc\"]")
                .receiveWithFd("CONSOLE /dev/pts/0", "pty master").receive("READY").receive("CREATED");
        assertEquals(PID, handshake(LaunchHandshake.Launch.CREATE).run());

        assertEquals(List.of("userNamespace", "pidKnown " + PID, "setUp " + PID, "warning low memory",
                "made [/dev/null, /proc]", "console pty master /dev/pts/0", "ready " + PID, "created " + PID), steps.seen);
        assertEquals(List.of("send(" + sock + ", \"USERNS_OK\")", go()), sent());
        // USERNS_OK answers USERNS, before PID is read; GO answers READY, before CREATED is read
        List<String> calls = sys.calls();
        int usernsOk = calls.indexOf("send(" + sock + ", \"USERNS_OK\")");
        int goSent = calls.indexOf(go());
        List<Integer> reads = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) if (calls.get(i).equals("recv(" + sock + ")")) reads.add(i);
        assertEquals(7, reads.size(), "one read per message, none after CREATED: " + calls);
        assertTrue(reads.get(0) < usernsOk && usernsOk < reads.get(1), calls.toString());
        assertTrue(reads.get(5) < goSent && goSent < reads.get(6), calls.toString());
        // done: nothing killed, the terminal kept open for the caller
        assertTrue(sys.calls("kill").isEmpty(), sys.calls("kill").toString());
        assertTrue(sys.openFds().containsValue("pty master"), sys.openFds().toString());
    }

    @Test
    void execHandsTheAgentItsSocketBeforeGoAndTheTerminalOn() {
        steps.keepConsole = false;
        steps.agent = sys.connectUnix("/run/agent.sock");
        sys.receive("PID " + PID).receive("READY").receiveWithFd("CONSOLE /dev/pts/1", "pty master").receive("CREATED");
        assertEquals(PID, handshake(LaunchHandshake.Launch.EXEC).run());

        assertEquals(List.of("pidKnown " + PID, "setUp " + PID, "ready " + PID, "console pty master /dev/pts/1",
                "created " + PID), steps.seen);
        assertEquals(List.of("sendFd(" + sock + ", " + steps.agent + ", \"AGENT {\\\"pid\\\":4242}\")", go()),
                sent());
        assertTrue(sys.calls().indexOf("close(" + steps.agent + ")") < sys.calls().indexOf(go()),
                "the agent's socket is closed here once sent");
        assertFalse(sys.openFds().containsValue("socket:/run/agent.sock"));
        assertFalse(sys.openFds().containsValue("pty master"), "the terminal went on to the console socket");
    }

    @Test
    void execReturnsOnlyOnceTheProgramRunsThatIsAtTheEndOfFileAfterCreated() {
        sys.receive("PID " + PID).receive("READY").receive("CREATED");
        assertEquals(PID, handshake(LaunchHandshake.Launch.EXEC).run());
        long reads = sys.calls().stream().filter(l -> l.equals("recv(" + sock + ")")).count();
        assertEquals(4, reads, "PID, READY, CREATED, then the end of file of the helper's execve: " + sys.calls());
        assertEquals("created " + PID, steps.seen.getLast());
    }

    @Test
    void anExecveThatFailsAfterCreatedIsTheExecsErrorAndTheUndoKillsTheProcess() {
        sys.receive("PID " + PID).receive("READY").receive("CREATED").receive("ERROR exec /bin/prog: Exec format error");
        SetupFailedException e = assertThrows(SetupFailedException.class, () -> handshake(LaunchHandshake.Launch.EXEC).run());
        assertEquals("exec /bin/prog: Exec format error", e.getMessage());
        assertFalse(steps.seen.contains("created " + PID), steps.seen.toString());
        undo.runAll();
        assertEquals(List.of("kill(" + PID + ", 9)"), sys.calls("kill"));
    }

    @Test
    void anErrorOfTheHelperReachesTheCallerWordForWordAndTheUndoKillsTheProcess() {
        String text = "exec: \"nosuch\": executable file not found in $PATH";
        sys.receive("PID " + PID).receive("READY").receiveWithFd("CONSOLE /dev/pts/0", "pty master").receive("ERROR " + text);
        SetupFailedException e = assertThrows(SetupFailedException.class, () -> handshake(LaunchHandshake.Launch.EXEC).run());
        assertEquals(text, e.getMessage());
        assertEquals(text, e.text());
        assertFalse(steps.seen.contains("created " + PID));

        assertTrue(sys.calls("kill").isEmpty(), "killed by the caller's undo, not before");
        undo.runAll();
        // newest first: the terminal kept here, then the process, which the caller then reaps
        List<String> calls = sys.calls();
        int closeMaster = calls.indexOf("close(" + steps.master + ")");
        int kill = calls.indexOf("kill(" + PID + ", 9)");
        assertTrue(closeMaster >= 0 && kill > closeMaster, calls.toString());
        assertFalse(sys.openFds().containsValue("pty master"), "the terminal is closed: " + sys.openFds());
        assertEquals("killed " + PID, steps.seen.getLast());
        assertEquals(List.of("waitpid(" + HELPER + ", 0)"), sys.calls("waitpid"), "the helper was reaped once, at PID");
    }

    @Test
    void anErrorBeforeThePidReapsTheHelperAndKillsNothing() {
        sys.receive("USERNS").receive("ERROR unshare 0x20000: Operation not permitted");
        SetupFailedException e = assertThrows(SetupFailedException.class, () -> handshake(LaunchHandshake.Launch.CREATE).run());
        assertEquals("unshare 0x20000: Operation not permitted", e.getMessage());
        assertEquals(List.of("waitpid(" + HELPER + ", 0)"), sys.calls("waitpid"), "no zombie left of the helper");
        undo.runAll();
        assertTrue(sys.calls("kill").isEmpty(), "there is no process to kill: " + sys.calls("kill"));
        assertEquals(List.of("userNamespace"), steps.seen);
    }

    @Test
    void theHelperClosingTheSocketEarlyIsAnErrorThatSaysWhere() {
        JruncException beforePid = assertThrows(JruncException.class, () -> handshake(LaunchHandshake.Launch.CREATE).run());
        assertEquals("container init exited before it was set up (namespace helper failed)", beforePid.getMessage());
        assertEquals(List.of("waitpid(" + HELPER + ", 0)"), sys.calls("waitpid"));

        next();
        sys.receive("PID " + PID).receive("READY");
        JruncException afterReady = assertThrows(JruncException.class, () -> handshake(LaunchHandshake.Launch.CREATE).run());
        assertEquals("container init exited before it was set up", afterReady.getMessage());
        undo.runAll();
        assertEquals(List.of("kill(" + PID + ", 9)"), sys.calls("kill"));
        assertEquals("killed " + PID, steps.seen.getLast());

        next();
        sys.receive("PID " + (PID + 1));
        JruncException exec = assertThrows(JruncException.class, () -> handshake(LaunchHandshake.Launch.EXEC).run());
        assertEquals("exec failed: the process exited before it was set up", exec.getMessage());
    }

    @Test
    void aMessageThatHasNoPlaceInTheLaunchIsATypedErrorNamingIt() {
        sys.receive("USERNS");
        assertEquals("unexpected message USERNS from the exec'd process",
                assertThrows(SyncProtocolException.class, () -> handshake(LaunchHandshake.Launch.EXEC).run()).getMessage());
        next();
        sys.receive("READY");
        assertEquals("unexpected message READY before PID from the container's init",
                assertThrows(SyncProtocolException.class, () -> handshake(LaunchHandshake.Launch.CREATE).run()).getMessage());
        next();
        sys.receive("PID " + PID).receive("CREATED");
        assertEquals("unexpected message CREATED before READY from the container's init",
                assertThrows(SyncProtocolException.class, () -> handshake(LaunchHandshake.Launch.CREATE).run()).getMessage());
        next();
        sys.receive("PID 0");
        assertEquals("bad PID \"0\" from the exec'd process",
                assertThrows(SyncProtocolException.class, () -> handshake(LaunchHandshake.Launch.EXEC).run()).getMessage());
        next();
        sys.receive("PLAN {}");
        assertEquals("unexpected message PLAN from the container's init",
                assertThrows(SyncProtocolException.class, () -> handshake(LaunchHandshake.Launch.CREATE).run()).getMessage());
        next();
        sys.receiveWithFd("BOGUS 1", "stray");
        assertEquals("unknown message \"BOGUS\" on the sync socket",
                assertThrows(SyncProtocolException.class, () -> handshake(LaunchHandshake.Launch.EXEC).run()).getMessage());
        assertFalse(sys.openFds().containsValue("stray"), "the descriptor of an unknown message is closed");
        // nothing is answered to it
        assertTrue(sent().isEmpty(), sent().toString());
        assertTrue(sys.calls("kill").isEmpty(), "nothing is killed before the caller's undo runs");
    }

    @Test
    void aFailingStepEndsTheLaunchAndTheUndoTakesBackWhatTheHandshakeLearnt() {
        steps.failReady = new JruncException("cgroup: cannot add " + PID);
        sys.receive("PID " + PID).receiveWithFd("CONSOLE /dev/pts/0", "pty master").receive("READY").receive("CREATED");
        assertEquals("cgroup: cannot add " + PID,
                assertThrows(JruncException.class, () -> handshake(LaunchHandshake.Launch.CREATE).run()).getMessage());
        assertTrue(sent().isEmpty(), "no GO for a process that was not placed: " + sent());
        assertTrue(sys.openFds().containsValue("pty master"));
        undo.runAll();
        assertEquals(List.of("kill(" + PID + ", 9)"), sys.calls("kill"));
        assertFalse(sys.openFds().containsValue("pty master"));
    }
}
