package dev.jrunc.tty;

import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;

/**
 * jrunc as the terminal of a foreground `run -t` / `exec -t` without --console-socket, in direct
 * mode (with the engine, the native front does this): the user's terminal in raw mode, bytes
 * copied both ways, window size changes passed on when this JVM owns its SIGWINCH.
 */
public final class TerminalRelay implements AutoCloseable {
    private final Syscalls sys;
    private final int master;
    private final byte[] savedStdin;
    private final Thread output;

    public TerminalRelay(Syscalls sys, int master, boolean ownsSignals) {
        this.sys = sys;
        this.master = master;
        byte[] saved = null;
        if (sys.isatty(0)) {
            try {
                int[] ws = sys.windowSize(0);
                sys.setWindowSize(master, ws[0], ws[1]);
            } catch (SyscallException e) {
                // not fatal: the container keeps the default size
            }
            saved = sys.makeRaw(0);
            if (ownsSignals) {
                try {
                    sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> resize());
                } catch (IllegalArgumentException e) {
                    // no SIGWINCH here; sizes are not passed on
                }
            }
        }
        this.savedStdin = saved;
        Thread.ofPlatform().daemon().name("tty-in").start(() -> copy(0, master));
        this.output = Thread.ofPlatform().daemon().name("tty-out").start(() -> copy(master, 1));
    }

    private void resize() {
        try {
            int[] ws = sys.windowSize(0);
            sys.setWindowSize(master, ws[0], ws[1]);
        } catch (SyscallException e) {
            // the terminal went away
        }
    }

    private void copy(int from, int to) {
        try {
            while (true) {
                byte[] b = sys.read(from, 8192);
                if (b.length == 0) return;
                sys.write(to, b);
            }
        } catch (SyscallException e) {
            // EIO on the master once the container's side is closed: the end of the session
        }
    }

    /** Waits briefly for the last output, then restores the user's terminal. */
    @Override
    public void close() {
        try {
            output.join(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (savedStdin != null) sys.restoreTerminal(0, savedStdin);
    }
}
