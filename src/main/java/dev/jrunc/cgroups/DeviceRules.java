package dev.jrunc.cgroups;

import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Resources.DeviceRule;
import java.util.ArrayList;
import java.util.List;

/** linux.resources.devices: validation, the standard allow list, and the v1 file syntax. */
public final class DeviceRules {
    static final String K = Check.R + "devices";

    private DeviceRules() {}

    /**
     * Devices every container gets whatever its config says: the usual /dev nodes, a pty, and
     * mknod of any device (creating a node is harmless while opening it stays denied).
     */
    public static List<DeviceRule> defaultAllowed() {
        return List.of(
                allow("c", null, null, "m"),
                allow("b", null, null, "m"),
                allow("c", 1L, 3L, "rwm"),   // /dev/null
                allow("c", 1L, 5L, "rwm"),   // /dev/zero
                allow("c", 1L, 7L, "rwm"),   // /dev/full
                allow("c", 1L, 8L, "rwm"),   // /dev/random
                allow("c", 1L, 9L, "rwm"),   // /dev/urandom
                allow("c", 5L, 0L, "rwm"),   // /dev/tty
                allow("c", 5L, 1L, "rwm"),   // /dev/console
                allow("c", 5L, 2L, "rwm"),   // /dev/ptmx
                allow("c", 136L, null, "rwm")); // /dev/pts/*
    }

    /** The config's rules followed by {@link #defaultAllowed()}, so the defaults cannot be denied away. */
    public static List<DeviceRule> withDefaults(List<DeviceRule> configured) {
        List<DeviceRule> all = new ArrayList<>(configured == null ? List.of() : configured);
        all.addAll(defaultAllowed());
        return all;
    }

    /**
     * The rules a new container's cgroup gets: linux.resources.devices, then
     * {@link #defaultAllowed()}, and nothing else. A node listed in linux.devices is created in
     * the container but gets no rule of its own (as in runc): a config that makes /dev/kmsg
     * and denies it in linux.resources.devices must not be able to open it.
     */
    public static List<DeviceRule> forContainer(LinuxSpec linux) {
        List<DeviceRule> rules = new ArrayList<>();
        if (linux != null && linux.resources() != null && linux.resources().devices() != null) {
            rules.addAll(linux.resources().devices());
        }
        return withDefaults(rules);
    }

    public static DeviceRule denyAll() {
        return new DeviceRule(false, "a", null, null, "rwm");
    }

    private static DeviceRule allow(String type, Long major, Long minor, String access) {
        return new DeviceRule(true, type, major, minor, access);
    }

    static String type(DeviceRule r) {
        return r.type() == null || r.type().isEmpty() ? "a" : r.type();
    }

    static String access(DeviceRule r) {
        return r.access() == null || r.access().isEmpty() ? "rwm" : r.access();
    }

    /** null and -1 both mean "any". */
    static boolean wildcard(Long n) {
        return n == null || n == -1;
    }

    /** Matches every device with every access: "a *:* rwm". */
    static boolean isAll(DeviceRule r) {
        return type(r).equals("a") && wildcard(r.major()) && wildcard(r.minor()) && accessMask(access(r)) == 7;
    }

    /** m=1, r=2, w=4: the kernel's BPF_DEVCG_ACC_* bits. */
    static int accessMask(String access) {
        int m = 0;
        for (char c : access.toCharArray()) {
            m |= switch (c) {
                case 'm' -> 1;
                case 'r' -> 2;
                case 'w' -> 4;
                default -> 0;
            };
        }
        return m;
    }

    public static void validate(List<DeviceRule> rules) {
        for (int i = 0; i < rules.size(); i++) {
            DeviceRule r = rules.get(i);
            String key = K + "[" + i + "]";
            String t = type(r);
            if (!t.equals("a") && !t.equals("b") && !t.equals("c")) {
                throw Check.invalid(key + ".type", "unknown device type \"" + t + "\" (want a, b or c)");
            }
            String a = access(r);
            if (!a.matches("[rwm]{1,3}") || a.chars().distinct().count() != a.length()) {
                throw Check.invalid(key + ".access", "\"" + a + "\" is not a combination of r, w and m");
            }
            if (r.major() != null && r.major() < -1) {
                throw Check.invalid(key + ".major", "must be >= 0, got " + r.major());
            }
            if (r.minor() != null && r.minor() < -1) {
                throw Check.invalid(key + ".minor", "must be >= 0, got " + r.minor());
            }
        }
    }

    /**
     * The v1 devices.allow/deny entries for one rule. A type "a" entry resets the whole list in
     * the kernel, so anything narrower than "all devices, all access" is spelled as c and b entries.
     */
    static List<String> v1Entries(DeviceRule r) {
        if (isAll(r)) {
            return List.of("a");
        }
        String dev = (wildcard(r.major()) ? "*" : r.major().toString()) + ":"
                + (wildcard(r.minor()) ? "*" : r.minor().toString()) + " " + access(r);
        String t = type(r);
        if (t.equals("a")) {
            return List.of("c " + dev, "b " + dev);
        }
        return List.of(t + " " + dev);
    }
}
