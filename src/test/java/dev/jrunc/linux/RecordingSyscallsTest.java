package dev.jrunc.linux;

import static dev.jrunc.linux.Linux.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The fake itself: what tests may rely on. */
class RecordingSyscallsTest {
    private final RecordingSyscalls sys = new RecordingSyscalls().dir("/r/etc").file("/r/etc/hosts")
            .symlink("/r/abs", "/etc").symlink("/r/rel", "etc/hosts").symlink("/r/loop", "loop");

    private int root() {
        return sys.open("/r", O_PATH | O_DIRECTORY, 0);
    }

    @Test
    void symlinksResolveInsideTheRootWithResolveInRoot() {
        int r = root();
        int fd = sys.openat2(r, "abs/hosts", O_PATH, 0, RESOLVE_IN_ROOT);
        assertEquals("/r/etc/hosts", sys.pathOf(fd));
        assertEquals("/r/etc/hosts", sys.pathOf(sys.openat2(r, "rel", O_PATH, 0, RESOLVE_IN_ROOT)));
        assertEquals("/r/etc", sys.pathOf(sys.openat2(r, "../../abs", O_PATH, 0, RESOLVE_IN_ROOT)));
    }

    @Test
    void errorsAreRecordedAndThrown() {
        int r = root();
        SyscallException e = assertThrows(SyscallException.class,
                () -> sys.openat2(r, "abs", O_PATH, 0, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS));
        assertEquals(Errno.ELOOP, e.errno());
        assertEquals("openat2(3, \"abs\", O_PATH, RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS) = -1 ELOOP", sys.calls().getLast());
        assertEquals(Errno.ELOOP, assertThrows(SyscallException.class,
                () -> sys.openat2(r, "loop", O_PATH, 0, RESOLVE_IN_ROOT)).errno());
        assertEquals(Errno.ENOENT, assertThrows(SyscallException.class,
                () -> sys.openat2(r, "nope/x", O_PATH, 0, RESOLVE_IN_ROOT)).errno());
        assertEquals(Errno.ENOTDIR, assertThrows(SyscallException.class,
                () -> sys.openat2(r, "etc/hosts/x", O_PATH, 0, RESOLVE_IN_ROOT)).errno());
        assertEquals(Errno.ENOTDIR, assertThrows(SyscallException.class,
                () -> sys.openat2(r, "etc/hosts", O_PATH | O_DIRECTORY, 0, RESOLVE_IN_ROOT)).errno());
    }

    @Test
    void createAndMake() {
        int r = root();
        int etc = sys.openat2(r, "etc", O_PATH | O_DIRECTORY, 0, RESOLVE_IN_ROOT);
        sys.close(sys.openat2(etc, "new", O_CREAT | O_RDONLY | O_NOFOLLOW, 0644, RESOLVE_IN_ROOT));
        sys.mkdirat(etc, "d", 0755);
        sys.symlinkat("new", etc, "l");
        sys.mknodat(etc, "null", S_IFCHR | 0666, makedev(1, 3));
        assertEquals(Errno.EEXIST, assertThrows(SyscallException.class, () -> sys.mkdirat(etc, "d", 0755)).errno());
        assertEquals(List.of("d/", "hosts", "l -> new", "new", "null c 1:3 0644 0:0"), sys.listing("/r/etc"),
                "the umask (022) applies");
        assertEquals("mknodat(4, \"null\", S_IFCHR|0666, makedev(1, 3))", sys.calls("mknodat").getFirst());
    }

    @Test
    void fdsIncreaseAndDoubleCloseFails() {
        int a = root();
        int b = root();
        assertEquals(a + 1, b);
        sys.close(a);
        assertEquals(Errno.EBADF, assertThrows(SyscallException.class, () -> sys.close(a)).errno());
        assertEquals(java.util.Map.of(b, "/r"), sys.openFds());
    }

    @Test
    void scriptedFailuresOnceOrAlways() {
        sys.failNextMount("sysfs", Errno.EPERM);
        assertThrows(SyscallException.class, () -> sys.mount("sysfs", "/sys", "sysfs", 0, null));
        sys.mount("sysfs", "/sys", "sysfs", 0, null);
        sys.failOpens("/r/etc", Errno.EACCES);
        int r = root();
        assertThrows(SyscallException.class, () -> sys.openat2(r, "etc", O_PATH, 0, RESOLVE_IN_ROOT));
        assertThrows(SyscallException.class, () -> sys.openat2(r, "./etc/", O_PATH, 0, RESOLVE_IN_ROOT));
        assertEquals("mount(\"sysfs\", \"/sys\", \"sysfs\", 0, null) = -1 EPERM", sys.calls().getFirst());
    }

    @Test
    void aRemountThroughAnFdOpenedBeforeTheMountIsEinval() {
        int r = root();
        int before = sys.openat2(r, "etc", O_PATH, 0, RESOLVE_IN_ROOT);
        sys.mount("tmpfs", "/proc/self/fd/" + before, "tmpfs", 0, null);
        assertEquals(Errno.EINVAL, assertThrows(SyscallException.class,
                () -> sys.mount(null, "/proc/self/fd/" + before, null, MS_REMOUNT | MS_RDONLY, null)).errno());
        int after = sys.openat2(r, "etc", O_PATH, 0, RESOLVE_IN_ROOT);
        sys.mount(null, "/proc/self/fd/" + after, null, MS_REMOUNT | MS_RDONLY, null);
        sys.mount(null, "/", null, MS_SLAVE | MS_REC, null);
        assertTrue(sys.mounts().getLast().startsWith("mount(null, \"/\""));
        assertEquals("mount(null, @/r/etc, null, MS_RDONLY|MS_REMOUNT, null)", sys.mounts().get(2));
    }
}
