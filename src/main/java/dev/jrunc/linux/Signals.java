package dev.jrunc.linux;

import java.util.Locale;
import java.util.Map;

/** Signal names and numbers (x86_64), parsed the way runc's kill does. */
public final class Signals {
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;

    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
            Map.entry("HUP", 1), Map.entry("INT", 2), Map.entry("QUIT", 3), Map.entry("ILL", 4),
            Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("IOT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11),
            Map.entry("USR2", 12), Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15),
            Map.entry("STKFLT", 16), Map.entry("CHLD", 17), Map.entry("CONT", 18), Map.entry("STOP", 19),
            Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22), Map.entry("URG", 23),
            Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
            Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("POLL", 29), Map.entry("PWR", 30),
            Map.entry("SYS", 31));

    private Signals() {}

    /** "9", "KILL", "SIGKILL", "sigkill", "RTMIN+3" → the signal number. */
    public static int parse(String text) {
        String s = text.trim();
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(s);
            if (n < 1 || n > 64) throw new IllegalArgumentException("invalid signal number " + text);
            return n;
        }
        String name = s.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        Integer n = BY_NAME.get(name);
        if (n != null) return n;
        if (name.startsWith("RTMIN")) return realtime(text, 34, name.substring(5), 1);
        if (name.startsWith("RTMAX")) return realtime(text, 64, name.substring(5), -1);
        throw new IllegalArgumentException("unknown signal \"" + text + "\"");
    }

    /** "SIGKILL" for 9; empty for a number without a name (realtime signals). */
    public static java.util.Optional<String> name(int signal) {
        for (var e : BY_NAME.entrySet()) {
            if (e.getValue() == signal && !e.getKey().equals("IOT") && !e.getKey().equals("POLL")) {
                return java.util.Optional.of("SIG" + e.getKey());
            }
        }
        return java.util.Optional.empty();
    }

    private static int realtime(String text, int base, String offset, int direction) {
        if (offset.isEmpty()) return base;
        try {
            int off = Integer.parseInt(offset.substring(1));
            int n = offset.charAt(0) == (direction > 0 ? '+' : '-') ? base + direction * off : -1;
            if (n >= 34 && n <= 64) return n;
        } catch (NumberFormatException e) {
            // fall through to the error
        }
        throw new IllegalArgumentException("unknown signal \"" + text + "\"");
    }
}
