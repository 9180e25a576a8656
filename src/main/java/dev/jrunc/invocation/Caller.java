package dev.jrunc.invocation;

import java.util.List;
import java.util.Map;

/**
 * The process that invoked a verb, as far as the container's processes are concerned: the
 * namespace helper is started as its child (so the container's init descends from the caller, and
 * a subreaper above it, such as containerd's shim or conmon, reaps it as it would runc's), and a
 * foreground `run` or `exec` makes it the reaper of the container's process, the one that passes
 * signals on, relays the terminal and reports the exit status.
 *
 * <p>In direct mode and for the Java API the caller is this JVM ({@link LocalCaller}); in the
 * engine it is the native front at the other end of the connection, which does each of these on
 * the engine's request.
 */
public interface Caller {
    /** What to execute: a path, or an executable fd of this JVM (a sealed copy of the helper). */
    record Program(String path, int fd) {
        public static Program atPath(String path) {
            return new Program(path, -1);
        }

        public static Program ofFd(int fd) {
            return new Program(null, fd);
        }
    }

    /**
     * Starts program as a child of the caller's process. The child inherits the caller's stdio and
     * the fds it was given to pass on (--preserve-fds, LISTEN_FDS); fds maps fds of this JVM onto
     * the numbers they get in the child. Returns the child's pid.
     */
    int spawn(Program program, List<String> argv, List<String> env, Map<Integer, Integer> fds);

    /** Collects the exit of a child {@link #spawn} started (the caller may have done so already). */
    void reap(int pid);

    /**
     * For a foreground run or exec, before the container's process exists: the caller becomes the
     * reaper of the processes it starts (PR_SET_CHILD_SUBREAPER) and holds the signals it receives
     * until {@link #forwardSignals} names the process to pass them to.
     */
    void foreground();

    /** Signals held so far, and all later ones, go to pid. */
    void forwardSignals(int pid);

    /**
     * Waits until pid (reparented to the caller) exits, relaying the terminal whose master is
     * terminalMaster (an fd of this JVM, or -1 for none; it is closed here). Returns the exit
     * status the shell's way: the code, or 128 + the signal.
     */
    int waitForExit(int pid, int terminalMaster);

    /** Whether the caller has gone away (a verb that streams stops then). */
    boolean gone();

    /**
     * The verb about to run, once its command line is parsed: a front names it if the engine dies
     * under it, and a foreground run or exec holds signals from here on.
     */
    default void verb(String verb, String id, boolean foreground) {}
}
