package dev.jrunc.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.spec.LinuxSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DevicesTest {
    private static final String ROOTFS = "/r";

    private final RecordingSyscalls sys = new RecordingSyscalls().dir(ROOTFS + "/dev/pts");

    private void create(boolean userns, LinuxSpec.Device... configured) {
        try (RootPaths root = new RootPaths(sys, ROOTFS)) {
            new Devices(sys, root, userns).create(List.of(configured));
        }
    }

    private static LinuxSpec.Device device(String type, String path, Long major, Long minor, Integer mode, Long uid,
            Long gid) {
        return new LinuxSpec.Device(type, path, major, minor, mode, uid, gid);
    }

    /** Device-node lines of the /dev listing (symlinks and directories left out). */
    private List<String> nodes() {
        return sys.listing(ROOTFS + "/dev").stream().filter(l -> l.contains(" c ") || l.contains(" b ")
                || l.contains(" p ")).toList();
    }

    @Test
    void configuredDevicesOfEveryTypeWithModeAndOwner() {
        create(false,
                device("c", "/dev/fuse", 10L, 229L, 0600, 1000L, 1001L),
                device("b", "/dev/sda", 8L, 0L, 0660, 0L, 6L),
                device("u", "/dev/ttyS0", 4L, 64L, null, null, null),
                device("p", "/dev/myfifo", null, null, 0640, 5L, 5L),
                device("c", "/dev/dri/card0", 226L, 0L, 0666, null, 44L));
        assertEquals(List.of(
                "mknodat(fd, \"fuse\", S_IFCHR|0600, makedev(10, 229))",
                "mknodat(fd, \"sda\", S_IFBLK|0660, makedev(8, 0))",
                "mknodat(fd, \"ttyS0\", S_IFCHR|0666, makedev(4, 64))",
                "mknodat(fd, \"myfifo\", S_IFIFO|0640, makedev(0, 0))",
                "mknodat(fd, \"card0\", S_IFCHR|0666, makedev(226, 0))"),
                sys.calls("mknodat").subList(0, 5).stream().map(DevicesTest::anyFd).toList());
        List<String> dev = sys.listing(ROOTFS + "/dev");
        assertTrue(dev.contains("fuse c 10:229 0600 1000:1001"), dev.toString());
        assertTrue(dev.contains("sda b 8:0 0660 0:6"), dev.toString());
        assertTrue(dev.contains("ttyS0 c 4:64 0666 0:0"), dev.toString());
        assertTrue(dev.contains("myfifo p 0640 5:5"), dev.toString());
        assertTrue(dev.contains("dri/card0 c 226:0 0666 0:44"), dev.toString());
        assertEquals(5 + 6, nodes().size(), "the configured ones and the six defaults");
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void largeMajorAndMinorNumbers() {
        create(false, device("c", "/dev/big", 511L, 70000L, 0600, null, null));
        assertEquals("mknodat(fd, \"big\", S_IFCHR|0600, makedev(511, 70000))", anyFd(sys.calls("mknodat").getFirst()));
    }

    @Test
    void aConfiguredDefaultDeviceReplacesTheDefault() {
        create(false, device("c", "/dev/null", 1L, 3L, 0600, 0L, 0L));
        List<String> nulls = sys.calls("mknodat").stream().filter(l -> l.contains("\"null\"")).toList();
        assertEquals(1, nulls.size());
        assertTrue(nulls.getFirst().contains("S_IFCHR|0600"), nulls.toString());
    }

    @Test
    void umaskIsClearedWhileMakingNodesAndRestoredAfter() {
        create(false);
        List<String> umasks = sys.calls("umask");
        assertEquals(List.of("umask(0)", "umask(022)"), umasks);
    }

    @Test
    void unknownTypeNamesThePath() {
        JruncException e = assertThrows(JruncException.class,
                () -> create(false, device("x", "/dev/weird", 1L, 1L, null, null, null)));
        assertEquals("$.linux.devices[0]: /dev/weird: unknown device type \"x\"", e.getMessage());
        assertEquals(List.of(), sys.calls("mknodat"));
    }

    @Test
    void aConfiguredDeviceOverASymlinkIsRefusedNamingItsEntry() {
        sys.symlink("/r/dev/mine", "/etc/passwd");
        JruncException e = assertThrows(JruncException.class, () -> create(false,
                device("c", "/dev/null", 1L, 3L, 0666, null, null), device("c", "/dev/mine", 1L, 3L, 0666, null, null)));
        assertTrue(e.getMessage().startsWith("$.linux.devices[1]: "), e.getMessage());
        assertTrue(e.getMessage().contains("ELOOP"), e.getMessage());
        assertFalse(sys.calls("mknodat").stream().anyMatch(c -> c.contains("\"mine\"")), "no node made through the link");
    }

    @Test
    void inAUserNamespaceNodesAreBoundButFifosAreMade() {
        create(true, device("p", "/dev/myfifo", null, null, 0600, null, null),
                device("b", "/dev/sda", 8L, 0L, 0660, null, null));
        assertEquals(List.of("mknodat(fd, \"myfifo\", S_IFIFO|0600, makedev(0, 0))"),
                sys.calls("mknodat").stream().map(DevicesTest::anyFd).toList());
        assertTrue(sys.mounts().contains("mount(\"/dev/sda\", @/r/dev/sda, null, MS_BIND, null)"), sys.mounts().toString());
        assertEquals(7, sys.mounts().size(), "sda and the six defaults");
    }

    @Test
    void aFailedHostBindNamesTheDevice() {
        sys.failNext("mount", c -> "/dev/tty".equals(c.arg(0)), Errno.ENOENT);
        JruncException e = assertThrows(JruncException.class, () -> create(true));
        assertTrue(e.getMessage().startsWith("device /dev/tty: bind from the host: mount(\"/dev/tty\", "),
                e.getMessage());
    }

    @Test
    void aFailedMknodNamesTheDevice() {
        sys.failNext("mknodat", c -> "zero".equals(c.arg(1)), Errno.EPERM);
        JruncException e = assertThrows(JruncException.class, () -> create(false));
        assertTrue(e.getMessage().startsWith("device /dev/zero: mknodat("), e.getMessage());
        assertEquals(List.of("umask(0)", "umask(022)"), sys.calls("umask"), "umask restored on failure");
    }

    @Test
    void anExistingNodeIsNotAnError() {
        sys.failNext("mknodat", c -> "zero".equals(c.arg(1)), Errno.EEXIST);
        create(false);
        assertEquals(6, sys.calls("mknodat").size());
    }

    private static String anyFd(String line) {
        return line.replaceFirst("^(\\w+)\\(\\d+, ", "$1(fd, ");
    }
}
