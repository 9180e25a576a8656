package dev.jrunc.cgroups;

import dev.jrunc.spec.Resources.DeviceRule;
import java.util.List;

/** linux.resources.devices on the v1 devices controller. */
final class DevicesV1 {
    private DevicesV1() {}

    /**
     * Rules apply in order, each one write to devices.allow or devices.deny. A list starting with
     * "deny all" resets the cgroup to default-deny first, so rules inherited from the parent go.
     */
    static void apply(CgroupDir d, List<DeviceRule> rules) {
        DeviceRules.validate(rules);
        for (int i = 0; i < rules.size(); i++) {
            DeviceRule r = rules.get(i);
            String file = r.allow() ? "devices.allow" : "devices.deny";
            for (String entry : DeviceRules.v1Entries(r)) {
                d.write(DeviceRules.K + "[" + i + "]", file, entry);
            }
        }
    }
}
