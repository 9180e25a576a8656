package dev.jrunc.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/** Reads /proc/PID/stat: is a process alive, and is it still the one we started? */
public final class ProcStat {
    private ProcStat() {}

    /** The process's start time in clock ticks, or empty if it is gone or a zombie. */
    public static OptionalLong startTimeIfAlive(int pid) {
        if (pid <= 0) return OptionalLong.empty();
        String stat;
        try {
            stat = dev.jrunc.linux.KernelFiles.read(Path.of("/proc", Integer.toString(pid), "stat"));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
        // The command name (field 2) may contain spaces and parentheses: parse from the last ')'.
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        char state = f[0].charAt(0);
        if (state == 'Z' || state == 'X') return OptionalLong.empty();
        return OptionalLong.of(Long.parseLong(f[19]));
    }

    public static boolean isSameProcess(int pid, long startTime) {
        OptionalLong now = startTimeIfAlive(pid);
        return now.isPresent() && now.getAsLong() == startTime;
    }
}
