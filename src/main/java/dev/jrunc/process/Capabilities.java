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
     * Unknown names are errors; names this kernel does not have (above cap_last_cap) are dropped
     * with a warning, as runc does, so one config serves older and newer kernels.
     */
    public static Masks masks(ProcessSpec.Capabilities caps, int lastCap, String jsonPath, Consumer<String> warn) {
        java.util.Set<String> warned = new java.util.HashSet<>();
        Consumer<String> once = w -> {
            if (warned.add(w)) warn.accept(w);
        };
        return masksWarning(caps, lastCap, jsonPath, once);
    }

    private static Masks masksWarning(ProcessSpec.Capabilities caps, int lastCap, String jsonPath, Consumer<String> warn) {
        return new Masks(
                mask(caps.bounding(), lastCap, jsonPath + ".bounding", warn),
                mask(caps.effective(), lastCap, jsonPath + ".effective", warn),
                mask(caps.permitted(), lastCap, jsonPath + ".permitted", warn),
                mask(caps.inheritable(), lastCap, jsonPath + ".inheritable", warn),
                mask(caps.ambient(), lastCap, jsonPath + ".ambient", warn));
    }

    private static long mask(List<String> names, int lastCap, String path, Consumer<String> warn) {
        long m = 0;
        if (names == null) return 0;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            int n = number(name);
            if (n < 0) {
                throw new ConfigException("config.json", path + "[" + i + "]", "unknown capability \"" + name + "\"");
            }
            if (n > lastCap) {
                warn.accept("capability " + name + " is not supported by this kernel; ignoring it");
                continue;
            }
            m |= 1L << n;
        }
        return m;
    }

    public static int lastCap() {
        try {
            return Integer.parseInt(dev.jrunc.linux.KernelFiles.read(java.nio.file.Path.of("/proc/sys/kernel/cap_last_cap")).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            return NAMES.size() - 1;
        }
    }
}
