package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Resources;
import dev.jrunc.spec.Resources.DeviceRule;
import java.util.List;
import org.junit.jupiter.api.Test;

class InitialResourcesTest {
    static LinuxSpec linux(List<LinuxSpec.Device> devices, Resources resources) {
        return new LinuxSpec(null, null, null, null, devices, "/x", resources, null, null, null, null, null, null,
                null, null, null, null);
    }

    @Test
    void deviceRulesAreTheConfigsThenTheDefaultsAndNothingForLinuxDevices() {
        var res = new Resources(List.of(DeviceRules.denyAll()), R.mem(5L, null), null, null, null, null, null, null, null);
        var devs = List.of(new LinuxSpec.Device("c", "/dev/fuse", 10L, 229L, 0666, 0L, 0L),
                new LinuxSpec.Device("p", "/dev/fifo", null, null, null, null, null),
                new LinuxSpec.Device("u", "/dev/x", 4L, 64L, null, null, null));
        Resources r = CgroupManager.initialResources(linux(devs, res));
        assertEquals(R.mem(5L, null), r.memory());
        List<DeviceRule> rules = r.devices();
        assertEquals(DeviceRules.denyAll(), rules.get(0));
        assertEquals(DeviceRules.defaultAllowed(), rules.subList(1, rules.size()));
        BpfInterpreter vm = new BpfInterpreter(DeviceBpfProgram.build(rules));
        assertEquals(0, vm.run('c', 10, 229, "rw"), "listed in linux.devices, but not allowed by the config");
        assertEquals(0, vm.run('c', 4, 64, "rw"));
        assertEquals(1, vm.run('c', 1, 3, "rw"));
    }

    @Test
    void noLinuxSectionStillGetsTheDefaults() {
        assertEquals(DeviceRules.defaultAllowed(), CgroupManager.initialResources(null).devices());
    }
}
