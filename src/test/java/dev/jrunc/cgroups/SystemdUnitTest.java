package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.*;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;
import org.junit.jupiter.api.Test;

class SystemdUnitTest {
    private static SystemdUnit unit(String cgroupsPath, String id) {
        return SystemdUnit.forCgroupPath(CgroupsPath.resolve(cgroupsPath, id, true));
    }

    @Test
    void scopesInNestedSlices() {
        assertEquals(new SystemdUnit("jrunc-c1.scope", "system.slice"), unit(null, "c1"));
        assertEquals(new SystemdUnit("cri-containerd-0123abc.scope", "kubepods-besteffort-pod1234.slice"),
                unit("kubepods-besteffort-pod1234.slice:cri-containerd:0123abc", "x"));
        assertEquals(new SystemdUnit("docker-x.scope", "-.slice"), unit("-.slice:docker:x", "x"));
        assertEquals(new SystemdUnit("docker-x.scope", "system.slice"), unit(":docker:x", "x"));
    }

    @Test
    void aSliceAsTheUnitMustNestWhereSystemdPutsIt() {
        SystemdUnit s = unit("test.slice:p:test-pod.slice", "x");
        assertEquals(new SystemdUnit("test-pod.slice", "test.slice"), s);
        assertTrue(s.isSlice());
        assertEquals("Slice", s.type());
        CgroupException e = assertThrows(CgroupException.class, () -> unit("test.slice:p:other.slice", "x"));
        assertTrue(e.getMessage().contains("systemd places slice other.slice at /other.slice, not under test.slice"), e.getMessage());
    }

    @Test
    void namesSystemdRefusesAreRefusedHere() {
        CgroupException e = assertThrows(CgroupException.class, () -> unit("system.slice:p:a+b", "x"));
        assertTrue(e.getMessage().startsWith("linux.cgroupsPath: \"p-a+b.scope\" is not a valid systemd unit name"), e.getMessage());
        assertThrows(CgroupException.class, () -> unit("system.slice:p:" + "x".repeat(250), "x"));
    }

    @Test
    void theUnitOfARecordedDirectory() {
        assertEquals(new SystemdUnit("crio-a.scope", "machine-pods.slice"),
                SystemdUnit.forCgroupDir(Path.of("/sys/fs/cgroup/machine.slice/machine-pods.slice/crio-a.scope")));
        assertEquals(new SystemdUnit("x.scope", "-.slice"), SystemdUnit.forCgroupDir(Path.of("/sys/fs/cgroup/memory/x.scope")));
    }

    @Test
    void propertyValuesGetTheirExactDBusTypes() {
        assertEquals(new UInt64(5), DBusSystemdBus.toDBus("t", 5L));
        assertEquals(new UInt64(new BigInteger("18446744073709551615")), DBusSystemdBus.toDBus("t", UnitProperty.INFINITY));
        assertEquals(List.of(new UInt32(42)), DBusSystemdBus.toDBus("au", List.of(42L)));
        Object pairs = DBusSystemdBus.toDBus("a(ss)", List.of(List.of("/dev/char/1:3", "rwm")));
        assertArrayEquals(new Object[] {"/dev/char/1:3", "rwm"}, (Object[]) ((List<?>) pairs).get(0));
        Object st = DBusSystemdBus.toDBus("a(st)", List.of(new UnitProperty.PathValue("/dev/block/8:0", 7)));
        assertArrayEquals(new Object[] {"/dev/block/8:0", new UInt64(7)}, (Object[]) ((List<?>) st).get(0));
    }

    @Test
    void systemdVersions() {
        assertEquals(252, DBusSystemdBus.parseVersion("252.38-1~deb12u1"));
        assertEquals(245, DBusSystemdBus.parseVersion("\"v245.4-1.fc32\""));
        assertEquals(-1, DBusSystemdBus.parseVersion("unknown"));
    }
}
