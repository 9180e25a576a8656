package dev.jrunc.cgroups;

/** Sends a signal to a process; the syscall layer supplies it so this package stays syscall-free. */
@FunctionalInterface
public interface Signaller {
    void signal(long pid, int signal);
}
