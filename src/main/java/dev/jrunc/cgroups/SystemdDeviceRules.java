package dev.jrunc.cgroups;

import dev.jrunc.Log;
import dev.jrunc.spec.Resources.DeviceRule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Device rules as systemd's DevicePolicy= and DeviceAllow=. systemd only knows allow lists, so
 * the rules are first reduced to the list the kernel would end up with (the last rule wins, a
 * rule for all devices resets the list), then each allowed entry is named as systemd names it:
 * "/dev/char/1:3", "char-136" for every minor of a major, "char-*" for every char device. jrunc
 * installs its own device filter on the same cgroup as well (cgroupfs), which is what holds when
 * systemd cannot express a rule.
 */
final class SystemdDeviceRules {
    private SystemdDeviceRules() {}

    /** What one device (type, major, minor; null for any) may do after all the rules. */
    private record Key(String type, Long major, Long minor) {}

    static List<UnitProperty> properties(List<DeviceRule> rules, boolean v2) {
        DeviceRules.validate(rules);
        boolean allowAll = true;
        // allowed (allow-list mode) or denied (deny-list mode) accesses per device
        Map<Key, Integer> exceptions = new LinkedHashMap<>();
        for (DeviceRule r : rules) {
            int access = DeviceRules.accessMask(DeviceRules.access(r));
            if (DeviceRules.isAll(r)) {
                allowAll = r.allow();
                exceptions.clear();
                continue;
            }
            String t = DeviceRules.type(r);
            for (String type : t.equals("a") ? List.of("c", "b") : List.of(t)) {
                Key k = new Key(type, DeviceRules.wildcard(r.major()) ? null : r.major(),
                        DeviceRules.wildcard(r.minor()) ? null : r.minor());
                // in an allow list an allow rule adds access and a deny rule takes it away; a deny list the reverse
                boolean adds = r.allow() != allowAll;
                int now = exceptions.getOrDefault(k, 0);
                now = adds ? now | access : now & ~access;
                if (now == 0) {
                    exceptions.remove(k);
                } else {
                    exceptions.put(k, now);
                }
            }
        }
        List<UnitProperty> p = new ArrayList<>();
        // an empty DeviceAllow= first clears what an existing unit already allows
        p.add(UnitProperty.stringPairs("DeviceAllow", List.of()));
        if (allowAll) {
            if (exceptions.isEmpty() || v2) {
                // v2: jrunc's own filter on the cgroup denies what the deny list says
                p.add(UnitProperty.string("DevicePolicy", "auto"));
                return p;
            }
            // v1: systemd would reset devices.deny to "allow all" on its next realization; deny
            // everything on its side instead, as runc does, and let the cgroupfs rules allow
            Log.warn("linux.resources.devices: systemd cannot express a deny list; it is given a deny-all policy");
            p.add(UnitProperty.string("DevicePolicy", "strict"));
            return p;
        }
        p.add(UnitProperty.string("DevicePolicy", "strict"));
        List<List<String>> allow = new ArrayList<>();
        for (var e : exceptions.entrySet()) {
            Key k = e.getKey();
            String group = k.type().equals("c") ? "char-" : "block-";
            String path;
            if (k.major() == null) {
                if (k.minor() != null) {
                    Log.warn("linux.resources.devices: systemd cannot express a rule for minor " + k.minor()
                            + " of every major; it is left to jrunc's own device filter");
                    continue;
                }
                path = group + "*";
            } else if (k.minor() == null) {
                path = group + k.major();
            } else {
                path = (k.type().equals("c") ? "/dev/char/" : "/dev/block/") + k.major() + ":" + k.minor();
            }
            allow.add(List.of(path, perms(e.getValue())));
        }
        p.add(UnitProperty.stringPairs("DeviceAllow", allow));
        return p;
    }

    private static String perms(int mask) {
        return ((mask & 2) != 0 ? "r" : "") + ((mask & 4) != 0 ? "w" : "") + ((mask & 1) != 0 ? "m" : "");
    }
}
