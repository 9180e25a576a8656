package dev.jrunc.process;

import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.ProcessSpec;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Capability names to bits, and the five sets of process.capabilities as masks. */
public final class Capabilities {
    /** Index = capability number (linux/capability.h). */
    static final List<String> NAMES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
            "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",
            "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
            "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",
            "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
            "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private static final Map<String, Integer> BY_NAME;

    static {
        var m = new java.util.HashMap<String, Integer>();
        for (int i = 0; i < NAMES.size(); i++) m.put(NAMES.get(i), i);
        BY_NAME = Map.copyOf(m);
    }

    /** The five masks in the order the native helper takes them. */
    public record Masks(long bounding, long effective, long permitted, long inheritable, long ambient) {
        public String helperArgument() {
            return Long.toHexString(bounding) + "," + Long.toHexString(effective) + ","
                    + Long.toHexString(permitted) + "," + Long.toHexString(inheritable) + ","
                    + Long.toHexString(ambient);
        }
    }

    private Capabilities() {}

    public static List<String> names() {
        return NAMES;
    }

    public static int number(String name) {
        Integer n = BY_NAME.get(name);
        return n == null ? -1 : n;
    }

    /**
     * The five masks, with every capability the process could not be given left out with a
     * warning naming it, as config.md says ("logged as a warning ... SHOULD NOT fail"): one this
     * kernel does not have (above cap_last_cap), one outside {@code grantable} (the bounding set
     * of the process that sets them: capset(2) can only keep what it has), and those capset(2)
     * and prctl(2) refuse in combination (an effective one not permitted, an inheritable one
     * outside the new bounding set). Only an unknown name is an error.
     *
     * @param grantable capabilities the setting process holds (its CapBnd), as a mask
     */
    public static Masks masks(ProcessSpec.Capabilities caps, int lastCap, long grantable, String jsonPath,
            Consumer<String> warn) {
        return masks(caps, lastCap, grantable, "config.json", jsonPath, warn);
    }

    /** As above, for the capabilities at {@code jsonPath} in {@code document} (an exec process file). */
    public static Masks masks(ProcessSpec.Capabilities caps, int lastCap, long grantable, String document,
            String jsonPath, Consumer<String> warn) {
        java.util.Set<String> warned = new java.util.HashSet<>();
        Consumer<String> once = w -> {
            if (warned.add(w)) warn.accept(w);
        };
        long bounding = mask(caps.bounding(), lastCap, grantable, document, jsonPath + ".bounding", once);
        long effective = mask(caps.effective(), lastCap, grantable, document, jsonPath + ".effective", once);
        long permitted = mask(caps.permitted(), lastCap, grantable, document, jsonPath + ".permitted", once);
        long inheritable = mask(caps.inheritable(), lastCap, grantable, document, jsonPath + ".inheritable", once);
        long ambient = mask(caps.ambient(), lastCap, grantable, document, jsonPath + ".ambient", once);
        effective = keep(effective, permitted, jsonPath + ".effective", "it is not in permitted", once);
        inheritable = keep(inheritable, bounding, jsonPath + ".inheritable", "it is not in bounding", once);
        // An ambient one that is not both permitted and inheritable is left out by the helper,
        // silently: `jrunc spec` (like `runc spec`) lists ambient capabilities without inheritable ones.
        return new Masks(bounding, effective, permitted, inheritable, ambient);
    }

    /** As above, for a process whose bounding set holds every capability up to {@code lastCap}. */
    public static Masks masks(ProcessSpec.Capabilities caps, int lastCap, String jsonPath, Consumer<String> warn) {
        return masks(caps, lastCap, -1L, jsonPath, warn);
    }

    private static long keep(long set, long allowed, String path, String why, Consumer<String> warn) {
        long dropped = set & ~allowed;
        for (int n = 0; n < 64; n++) {
            if ((dropped & (1L << n)) != 0) {
                warn.accept("capability " + NAMES.get(n) + " in " + path + " cannot be granted: " + why
                        + "; ignoring it");
            }
        }
        return set & allowed;
    }

    private static long mask(List<String> names, int lastCap, long grantable, String document, String path,
            Consumer<String> warn) {
        long m = 0;
        if (names == null) return 0;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            int n = number(name);
            if (n < 0) {
                throw new ConfigException(document, path + "[" + i + "]", "unknown capability "
                        + (name == null ? "null" : "\"" + name + "\""));
            }
            if (n > lastCap) {
                warn.accept("capability " + name + " is not supported by this kernel; ignoring it");
                continue;
            }
            if ((grantable & (1L << n)) == 0) {
                warn.accept("capability " + name + " is not in the runtime's bounding set, so it cannot be granted;"
                        + " ignoring it");
                continue;
            }
            m |= 1L << n;
        }
        return m;
    }

    /**
     * This process's bounding set (CapBnd of /proc/self/status): what it, and the helper it
     * execs, can still grant. Every capability when it cannot be read.
     */
    public static long ownBounding() {
        return bounding(java.nio.file.Path.of("/proc/self/status"));
    }

    /** The bounding set in a /proc/PID/status file; -1 (nothing missing) if it cannot be read. */
    public static long bounding(java.nio.file.Path status) {
        try {
            for (String line : dev.jrunc.linux.KernelFiles.read(status).split("\n")) {
                if (line.startsWith("CapBnd:")) return Long.parseUnsignedLong(line.substring(7).trim(), 16);
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // fall through: assume nothing is missing, capset will say otherwise
        }
        return -1L;
    }

    public static int lastCap() {
        try {
            return Integer.parseInt(dev.jrunc.linux.KernelFiles.read(java.nio.file.Path.of("/proc/sys/kernel/cap_last_cap")).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            return NAMES.size() - 1;
        }
    }
}
