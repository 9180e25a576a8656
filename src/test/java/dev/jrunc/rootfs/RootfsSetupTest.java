package dev.jrunc.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.linux.Errno;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsSetupTest {
    private static final String ROOTFS = "/bundle/rootfs";
    private static final Map<String, String> UNIFIED = Map.of("", "/sys/fs/cgroup/c1");

    @TempDir Path bundle;

    private final RecordingSyscalls sys = new RecordingSyscalls().dir(ROOTFS + "/proc", ROOTFS + "/sys");
    private final List<String> warnings = new ArrayList<>();

    private RootfsSetup setup(Spec spec, boolean userns, Map<String, String> cgroups) {
        return new RootfsSetup(sys, spec, ROOTFS, bundle, userns, cgroups, warnings::add);
    }

    private static Spec withMounts(Spec s, List<Spec.Mount> mounts) {
        return new Spec(s.ociVersion(), s.root(), mounts, s.process(), s.hostname(), s.domainname(), s.hooks(),
                s.annotations(), s.linux());
    }

    private static Spec withLinux(Spec s, LinuxSpec l) {
        return new Spec(s.ociVersion(), s.root(), s.mounts(), s.process(), s.hostname(), s.domainname(), s.hooks(),
                s.annotations(), l);
    }

    private static LinuxSpec linux(String propagation, List<LinuxSpec.Device> devices, List<String> masked,
            List<String> readonly) {
        return new LinuxSpec(null, null, null, null, devices, null, null, propagation, null, null, masked, readonly,
                null, null, null, null, null);
    }

    private static Spec.Mount mount(String dest, String type, String source, String... options) {
        return new Spec.Mount(dest, type, source, List.of(options), null, null);
    }

    private static final String ROOTFS_BIND = "mount(\"/bundle/rootfs\", \"/bundle/rootfs\", \"bind\", MS_BIND|MS_REC, null)";

    /** The mount calls after the rootfs became a mount point: those of config.json's mounts. */
    private List<String> configMounts() {
        List<String> all = sys.mounts();
        return all.subList(all.indexOf(ROOTFS_BIND) + 1, all.size());
    }

    /** Lines with the leading dirfd replaced, for calls whose fd numbers do not matter. */
    private static List<String> anyDirfd(List<String> lines) {
        return lines.stream().map(l -> l.replaceFirst("^(\\w+)\\((\"[^\"]*\", )?\\d+, ", "$1($2fd, ")).toList();
    }

    @Test
    void defaultSpecMountsInOrder() {
        setup(DefaultSpec.example(), false, UNIFIED).mountAll();
        assertEquals(List.of(
                "mount(null, \"/\", null, MS_REC|MS_SLAVE, null)",
                // the mount holding the rootfs is made a slave (never shared): found by walking up to a mount root
                "mount(null, \"/bundle/rootfs\", null, MS_SLAVE, null) = -1 EINVAL",
                "mount(null, \"/bundle\", null, MS_SLAVE, null) = -1 EINVAL",
                "mount(null, \"/\", null, MS_SLAVE, null)",
                ROOTFS_BIND,
                "mount(\"proc\", @/bundle/rootfs/proc, \"proc\", 0, null)",
                "mount(\"tmpfs\", @/bundle/rootfs/dev, \"tmpfs\", MS_NOSUID|MS_STRICTATIME, \"mode=755,size=65536k\")",
                "mount(\"devpts\", @/bundle/rootfs/dev/pts, \"devpts\", MS_NOSUID|MS_NOEXEC, "
                        + "\"newinstance,ptmxmode=0666,mode=0620,gid=5\")",
                "mount(\"shm\", @/bundle/rootfs/dev/shm, \"tmpfs\", MS_NOSUID|MS_NODEV|MS_NOEXEC, "
                        + "\"mode=1777,size=65536k\")",
                "mount(\"mqueue\", @/bundle/rootfs/dev/mqueue, \"mqueue\", MS_NOSUID|MS_NODEV|MS_NOEXEC, null)",
                "mount(\"sysfs\", @/bundle/rootfs/sys, \"sysfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, null)",
                "mount(\"/sys/fs/cgroup/c1\", @/bundle/rootfs/sys/fs/cgroup, null, MS_BIND|MS_REC, null)",
                "mount(null, @/bundle/rootfs/sys/fs/cgroup, null, "
                        + "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND, null)"),
                sys.mounts());
        assertEquals(Map.of(), sys.openFds(), "every fd opened while mounting is closed");
        assertEquals(List.of(), warnings);
    }

    @Test
    void aFilesystemMadeElsewhereGetsTheMountsOptionsAndAttributesAndIsMovedIntoPlace() {
        Spec spec = withMounts(DefaultSpec.example(), List.of(
                mount("/proc", "proc", "proc", "nosuid", "noexec", "hidepid=2"),
                mount("/srv", "tmpfs", "tmpfs", "nodev", "sync", "ro", "mode=1777", "size=65536k")));
        List<String> asked = new ArrayList<>();
        List<Integer> given = new ArrayList<>();
        setup(spec, false, UNIFIED).newFilesystems((type, source, options, attrs) -> {
            asked.add(type + " " + source + " " + options + " 0x" + Long.toHexString(attrs));
            int fd = sys.memfdCreate("fsmount:" + type, 0);
            given.add(fd);
            return fd;
        }).mountAll();
        // mount(2)'s data and its superblock flags are the filesystem's options; nosuid, noexec,
        // nodev the mount's attributes, as mount(2) would have made them
        assertEquals(List.of("proc proc [hidepid=2] 0xa", "tmpfs tmpfs [mode=1777, size=65536k, ro, sync] 0x5"), asked);
        for (String dest : List.of("/proc", "/srv")) {
            assertTrue(sys.mounts().stream().anyMatch(m -> m.startsWith("move_mount(") && m.contains("@/bundle/rootfs" + dest)),
                    "the new filesystem lands on the rootfs's " + dest + ": " + sys.mounts());
        }
        assertFalse(sys.mounts().stream().anyMatch(m -> m.contains("\"proc\", @") || m.contains("\"tmpfs\", @")),
                "no mount(2) of them here: " + sys.mounts());
        for (int fd : given) assertTrue(sys.calls("close").contains("close(" + fd + ")"), "each detached mount is closed once attached");
    }

    @Test
    void sysfsTheContainersInitMayNotMakeFallsBackToAReadOnlyBindOfTheHostSys() {
        // in a user namespace without a network namespace of its own: fsopen("sysfs") is refused
        setup(DefaultSpec.example(), true, UNIFIED).newFilesystems((type, source, options, attrs) -> {
            if (type.equals("sysfs")) throw new SyscallException("fsopen(sysfs)", Errno.EPERM);
            return null;
        }).mountAll();
        List<String> mounts = sys.mounts();
        int i = mounts.indexOf("mount(\"/sys\", @/bundle/rootfs/sys, null, MS_BIND|MS_REC, null)");
        assertTrue(i > 0, mounts.toString());
        assertEquals("mount(null, @/bundle/rootfs/sys, null, "
                + "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND, null)", mounts.get(i + 1));
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void mountTargetsAreReachedThroughFdsResolvedInTheRoot() {
        setup(DefaultSpec.example(), false, UNIFIED).mountAll();
        assertEquals("open(\"/bundle/rootfs\", O_PATH|O_DIRECTORY|O_CLOEXEC) = 3",
                sys.calls().get(sys.calls().indexOf(ROOTFS_BIND) + 1));
        // /proc and /sys must not be symlinks; everything is resolved inside the rootfs.
        assertTrue(sys.calls("openat2").contains(
                "openat2(3, \"proc\", O_PATH|O_CLOEXEC, RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS) = 4"));
        for (String open : sys.calls("openat2")) {
            assertTrue(open.contains("RESOLVE_IN_ROOT"), open);
        }
    }

    @Test
    void defaultDevicesAreMadeWithModeAndOwner() {
        setup(DefaultSpec.example(), false, UNIFIED).mountAll();
        assertEquals(List.of(
                "mknodat(fd, \"null\", S_IFCHR|0666, makedev(1, 3))",
                "mknodat(fd, \"zero\", S_IFCHR|0666, makedev(1, 5))",
                "mknodat(fd, \"full\", S_IFCHR|0666, makedev(1, 7))",
                "mknodat(fd, \"random\", S_IFCHR|0666, makedev(1, 8))",
                "mknodat(fd, \"urandom\", S_IFCHR|0666, makedev(1, 9))",
                "mknodat(fd, \"tty\", S_IFCHR|0666, makedev(5, 0))"),
                anyDirfd(sys.calls("mknodat")));
        assertEquals(List.of(
                "fchownat(fd, \"null\", 0, 0, AT_SYMLINK_NOFOLLOW)",
                "fchownat(fd, \"zero\", 0, 0, AT_SYMLINK_NOFOLLOW)",
                "fchownat(fd, \"full\", 0, 0, AT_SYMLINK_NOFOLLOW)",
                "fchownat(fd, \"random\", 0, 0, AT_SYMLINK_NOFOLLOW)",
                "fchownat(fd, \"urandom\", 0, 0, AT_SYMLINK_NOFOLLOW)",
                "fchownat(fd, \"tty\", 0, 0, AT_SYMLINK_NOFOLLOW)"),
                anyDirfd(sys.calls("fchownat")));
    }

    @Test
    void devNodesKeepMode0666WhateverTheInheritedUmask() {
        // The fake starts with umask 022, like a runtime started from a shell or containerd.
        setup(DefaultSpec.example(), false, UNIFIED).mountAll();
        List<String> dev = sys.listing(ROOTFS + "/dev");
        assertTrue(dev.contains("null c 1:3 0666 0:0"), dev.toString());
        assertTrue(dev.contains("tty c 5:0 0666 0:0"), dev.toString());
    }

    @Test
    void devSymlinks() {
        setup(DefaultSpec.example(), false, UNIFIED).mountAll();
        List<String> expected = new ArrayList<>(List.of(
                "symlinkat(\"/proc/self/fd\", fd, \"fd\")",
                "symlinkat(\"/proc/self/fd/0\", fd, \"stdin\")",
                "symlinkat(\"/proc/self/fd/1\", fd, \"stdout\")",
                "symlinkat(\"/proc/self/fd/2\", fd, \"stderr\")"));
        if (Files.exists(Path.of("/proc/kcore"))) expected.add("symlinkat(\"/proc/kcore\", fd, \"core\")");
        expected.add("symlinkat(\"pts/ptmx\", fd, \"ptmx\")");
        assertEquals(expected, anyDirfd(sys.calls("symlinkat")));
        List<String> dev = sys.listing(ROOTFS + "/dev");
        assertTrue(dev.contains("ptmx -> pts/ptmx"), dev.toString());
        assertTrue(dev.contains("stderr -> /proc/self/fd/2"), dev.toString());
    }

    @Test
    void noPtmxLinkWithoutDevPts() {
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/dev", "tmpfs", "tmpfs", "mode=755")));
        setup(spec, false, UNIFIED).mountAll();
        assertFalse(sys.exists(ROOTFS + "/dev/ptmx"));
        assertTrue(sys.exists(ROOTFS + "/dev/stdin"));
    }

    @Test
    void inAUserNamespaceDevicesAreBoundFromTheHost() {
        setup(DefaultSpec.example(), true, UNIFIED).mountAll();
        assertEquals(List.of(), sys.calls("mknodat"));
        List<String> binds = sys.mounts().stream().filter(m -> m.startsWith("mount(\"/dev/")).toList();
        assertEquals(List.of(
                "mount(\"/dev/null\", @/bundle/rootfs/dev/null, null, MS_BIND, null)",
                "mount(\"/dev/zero\", @/bundle/rootfs/dev/zero, null, MS_BIND, null)",
                "mount(\"/dev/full\", @/bundle/rootfs/dev/full, null, MS_BIND, null)",
                "mount(\"/dev/random\", @/bundle/rootfs/dev/random, null, MS_BIND, null)",
                "mount(\"/dev/urandom\", @/bundle/rootfs/dev/urandom, null, MS_BIND, null)",
                "mount(\"/dev/tty\", @/bundle/rootfs/dev/tty, null, MS_BIND, null)"),
                binds);
        assertEquals(RecordingSyscalls.Kind.FILE, sys.node(ROOTFS + "/dev/null").kind(), "an empty bind target");
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void deviceAlreadyInTheImageIsKept() {
        sys.file(ROOTFS + "/dev/null");
        Spec spec = withMounts(DefaultSpec.example(), List.of());
        setup(spec, false, UNIFIED).mountAll();
        assertFalse(anyDirfd(sys.calls("mknodat")).stream().anyMatch(l -> l.contains("\"null\"")));
        assertEquals(5, sys.calls("mknodat").size());
    }

    @Test
    void boundDevGetsNoDevices() throws IOException {
        Files.createDirectories(bundle.resolve("hostdev"));
        Spec spec = withMounts(DefaultSpec.example(),
                List.of(mount("/dev", "bind", bundle.resolve("hostdev").toString(), "rbind")));
        setup(spec, false, UNIFIED).mountAll();
        assertEquals(List.of(), sys.calls("mknodat", "symlinkat"));
    }

    @Test
    void sysfsRefusedInAUserNamespaceFallsBackToAReadOnlyBindOfTheHostSys() {
        sys.failNextMount("sysfs", Errno.EPERM);
        setup(DefaultSpec.example(), true, UNIFIED).mountAll();
        List<String> mounts = sys.mounts();
        int i = mounts.indexOf(
                "mount(\"sysfs\", @/bundle/rootfs/sys, \"sysfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, null) = -1 EPERM");
        assertTrue(i > 0, mounts.toString());
        assertEquals("mount(\"/sys\", @/bundle/rootfs/sys, null, MS_BIND|MS_REC, null)", mounts.get(i + 1));
        assertEquals("mount(null, @/bundle/rootfs/sys, null, "
                + "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND, null)", mounts.get(i + 2));
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void lockedFlagsOfABindSourceAreKeptWhenTheRemountIsRefused() throws IOException {
        // The source is nodev,noexec,relatime and locked (a less privileged mount namespace):
        // remounting it without them fails with EPERM; the retry keeps them.
        Files.createDirectories(bundle.resolve("data"));
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data", "bind", bundle.resolve("data").toString(), "rbind", "ro")));
        sys.failNext("mount", c -> c.line().contains("MS_REMOUNT"), Errno.EPERM);
        sys.mountFlags("/bundle/rootfs/data", Linux.MS_NODEV | Linux.MS_NOEXEC | Linux.MS_RELATIME);
        setup(spec, true, UNIFIED).mountAll();
        List<String> remounts = configMounts().stream().filter(m -> m.contains("MS_REMOUNT")).toList();
        assertEquals(List.of(
                "mount(null, @/bundle/rootfs/data, null, MS_RDONLY|MS_REMOUNT|MS_BIND, null) = -1 EPERM",
                "mount(null, @/bundle/rootfs/data, null, MS_RDONLY|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND|MS_RELATIME, null)"),
                remounts);
    }

    @Test
    void aRefusedRemountOutsideAUserNamespaceStaysAnError() throws IOException {
        Files.createDirectories(bundle.resolve("data"));
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data", "bind", bundle.resolve("data").toString(), "rbind", "ro")));
        sys.failNext("mount", c -> c.line().contains("MS_REMOUNT"), Errno.EPERM);
        assertThrows(JruncException.class, () -> setup(spec, false, UNIFIED).mountAll());
    }

    @Test
    void devptsIdsTheUserNamespaceDoesNotMapAreDropped() {
        LinuxSpec l = DefaultSpec.toRootless(DefaultSpec.example(), 1000, 1000).linux();
        Spec spec = withLinux(DefaultSpec.example(), l); // the default mounts, with gid=5
        RootfsSetup setup = setup(spec, true, UNIFIED);
        assertEquals("newinstance,ptmxmode=0666,mode=0620", setup.mappedIdsOnly("newinstance,ptmxmode=0666,mode=0620,gid=5"));
        assertEquals("mode=0620,gid=0", setup.mappedIdsOnly("mode=0620,gid=0"));
        // without a user namespace of its own, the option is the kernel's to judge
        assertEquals("gid=5", setup(spec, false, UNIFIED).mappedIdsOnly("gid=5"));
        setup.mountAll();
        assertTrue(sys.mounts().contains("mount(\"devpts\", @/bundle/rootfs/dev/pts, \"devpts\", MS_NOSUID|MS_NOEXEC, "
                + "\"newinstance,ptmxmode=0666,mode=0620\")"), sys.mounts().toString());
    }

    @Test
    void withoutACgroupOfItsOwnARootlessContainerSeesTheHostHierarchyReadOnly() {
        setup(DefaultSpec.example(), true, Map.of()).mountAll();
        List<String> mounts = configMounts();
        assertTrue(mounts.contains("mount(\"/sys/fs/cgroup\", @/bundle/rootfs/sys/fs/cgroup, null, MS_BIND|MS_REC, null)"), mounts.toString());
        assertTrue(sys.calls("mount_setattr").stream().anyMatch(c -> c.contains("AT_RECURSIVE") && c.contains("set=RDONLY")),
                sys.calls("mount_setattr").toString());
        assertEquals(List.of(), warnings);
    }

    @Test
    void sysfsRefusedOutsideAUserNamespaceIsAnError() {
        sys.failNextMount("sysfs", Errno.EPERM);
        var spec = DefaultSpec.example();
        int at = spec.mountsOrEmpty().stream().map(m -> m.destination()).toList().indexOf("/sys");
        JruncException e = assertThrows(JruncException.class, () -> setup(spec, false, UNIFIED).mountAll());
        assertTrue(e.getMessage().startsWith("$.mounts[" + at + "]: mount sysfs on /sys (type sysfs): mount(\"sysfs\", "),
                e.getMessage());
        assertTrue(e.getMessage().contains("(EPERM)"), e.getMessage());
    }

    @Test
    void mqueueRefusedFallsBackToABindOfTheHostMqueue() {
        sys.failNextMount("mqueue", Errno.EPERM);
        setup(DefaultSpec.example(), false, UNIFIED).mountAll();
        assertTrue(sys.mounts().contains("mount(\"/dev/mqueue\", @/bundle/rootfs/dev/mqueue, null, MS_BIND, null)"),
                sys.mounts().toString());
    }

    @Test
    void symlinkedProcIsRefused() {
        sys.symlink(ROOTFS + "/proc", "/etc");
        JruncException e = assertThrows(JruncException.class,
                () -> setup(DefaultSpec.example(), false, UNIFIED).mountAll());
        assertEquals("$.mounts[0]: mount destination /proc is a symlink in the rootfs: refusing to mount proc there",
                e.getMessage());
        assertTrue(sys.calls("openat2").contains(
                "openat2(3, \"proc\", O_PATH|O_CLOEXEC, RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS) = -1 ELOOP"));
        assertFalse(sys.mounts().stream().anyMatch(m -> m.contains("\"proc\"")));
    }

    @Test
    void symlinkedSysIsRefusedToo() {
        sys.failOpens(ROOTFS + "/sys", Errno.ELOOP);
        JruncException e = assertThrows(JruncException.class,
                () -> setup(DefaultSpec.example(), false, UNIFIED).mountAll());
        assertEquals("$.mounts[5]: mount destination /sys is a symlink in the rootfs: refusing to mount sysfs there",
                e.getMessage());
    }

    @Test
    void missingProcIsCreated() {
        RecordingSyscalls bare = new RecordingSyscalls().dir(ROOTFS);
        new RootfsSetup(bare, DefaultSpec.example(), ROOTFS, bundle, false, UNIFIED, warnings::add).mountAll();
        assertEquals(RecordingSyscalls.Kind.DIR, bare.node(ROOTFS + "/proc").kind());
        assertTrue(bare.mounts().contains("mount(\"proc\", @/bundle/rootfs/proc, \"proc\", 0, null)"));
    }

    @Test
    void symlinksInTheImageResolveInsideTheRootfs() throws IOException {
        // /data -> /srv/data in the image: the target is /bundle/rootfs/srv/data, never the host's /srv.
        sys.dir(ROOTFS + "/srv/data").symlink(ROOTFS + "/data", "/srv/data");
        Files.createDirectories(bundle.resolve("vol"));
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data", "bind", "vol", "bind")));
        setup(spec, false, UNIFIED).mountAll();
        assertEquals("mount(\"" + bundle.resolve("vol") + "\", @/bundle/rootfs/srv/data, null, MS_BIND, null)",
                configMounts().getFirst());
    }

    @Test
    void readOnlyBindIsABindThenARemount() throws IOException {
        Files.createDirectories(bundle.resolve("vol"));
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data", "bind", "vol", "rbind", "ro")));
        setup(spec, false, UNIFIED).mountAll();
        String src = bundle.resolve("vol").toString();
        assertEquals(List.of(
                "mount(\"" + src + "\", @/bundle/rootfs/data, null, MS_BIND|MS_REC, null)",
                "mount(null, @/bundle/rootfs/data, null, MS_RDONLY|MS_REMOUNT|MS_BIND, null)"),
                configMounts().subList(0, 2));
    }

    @Test
    void bindOfAFileMakesAFileTargetAndAppliesPropagation() throws IOException {
        Files.writeString(bundle.resolve("hosts"), "127.0.0.1 localhost\n");
        Spec spec = withMounts(DefaultSpec.example(),
                List.of(mount("/etc/hosts", null, "hosts", "rbind", "rprivate", "nosuid")));
        setup(spec, false, UNIFIED).mountAll();
        String src = bundle.resolve("hosts").toString();
        assertEquals(List.of(
                "mount(\"" + src + "\", @/bundle/rootfs/etc/hosts, null, MS_BIND|MS_REC, null)",
                "mount(null, @/bundle/rootfs/etc/hosts, null, MS_NOSUID|MS_REMOUNT|MS_BIND, null)",
                "mount(null, @/bundle/rootfs/etc/hosts, null, MS_REC|MS_PRIVATE, null)"),
                configMounts().subList(0, 3));
        assertEquals(RecordingSyscalls.Kind.FILE, sys.node(ROOTFS + "/etc/hosts").kind());
        assertEquals(RecordingSyscalls.Kind.DIR, sys.node(ROOTFS + "/etc").kind());
    }

    @Test
    void bindSourceOpenedByTheRuntimeIsMountedThroughItsFd() throws IOException {
        Files.createDirectories(bundle.resolve("vol"));
        // Mount 1 gets an fd from the runtime (fd 0 stands in: any open fd of this JVM will do).
        Spec spec = withMounts(DefaultSpec.example(),
                List.of(mount("/data", "bind", "vol", "bind"), mount("/etc/hosts", "bind", "unreachable", "bind")));
        setup(spec, true, UNIFIED).bindSources(Map.of(1, 0)).mountAll();
        assertEquals(List.of(
                "mount(\"" + bundle.resolve("vol") + "\", @/bundle/rootfs/data, null, MS_BIND, null)",
                "mount(\"/proc/self/fd/0\", @/bundle/rootfs/etc/hosts, null, MS_BIND, null)"),
                configMounts().subList(0, 2));
    }

    @Test
    void bindWithAMissingSourceNamesIt() {
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data", "bind", "nope", "bind")));
        JruncException e = assertThrows(JruncException.class, () -> setup(spec, false, UNIFIED).mountAll());
        assertEquals("$.mounts[0]: bind mount source " + bundle.resolve("nope") + " does not exist", e.getMessage());
    }

    @Test
    void filesystemMountWithPropagationChangesTheNewMount() {
        Spec spec = withMounts(DefaultSpec.example(),
                List.of(mount("/run", "tmpfs", "tmpfs", "nosuid", "rshared", "size=1m")));
        setup(spec, false, UNIFIED).mountAll();
        assertEquals(List.of(
                "mount(\"tmpfs\", @/bundle/rootfs/run, \"tmpfs\", MS_NOSUID, \"size=1m\")",
                "mount(null, @/bundle/rootfs/run, null, MS_REC|MS_SHARED, null)"),
                configMounts().subList(0, 2));
    }

    @Test
    void noCgroupHierarchyWarnsAndSkipsTheCgroupMount() {
        setup(DefaultSpec.example(), false, Map.of()).mountAll();
        assertEquals(List.of("no cgroup hierarchy to show at /sys/fs/cgroup; skipping the cgroup mount"), warnings);
        assertFalse(sys.mounts().stream().anyMatch(m -> m.contains("cgroup")));
    }

    @Test
    void cgroupV1HierarchiesAreBoundUnderATmpfs() {
        Map<String, String> v1 = new LinkedHashMap<>();
        v1.put("cpu,cpuacct", "/sys/fs/cgroup/cpu,cpuacct/c1");
        v1.put("memory", "/sys/fs/cgroup/memory/c1");
        setup(DefaultSpec.example(), false, v1).mountAll();
        List<String> m = sys.mounts();
        int i = m.indexOf("mount(\"tmpfs\", @/bundle/rootfs/sys/fs/cgroup, \"tmpfs\", MS_NOSUID|MS_NODEV|MS_NOEXEC, "
                + "\"mode=755\")");
        assertTrue(i > 0, m.toString());
        assertEquals(List.of(
                "mount(\"/sys/fs/cgroup/cpu,cpuacct/c1\", @/bundle/rootfs/sys/fs/cgroup/cpu,cpuacct, null, "
                        + "MS_BIND|MS_REC, null)",
                "mount(null, @/bundle/rootfs/sys/fs/cgroup/cpu,cpuacct, null, "
                        + "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND, null)",
                "mount(\"/sys/fs/cgroup/memory/c1\", @/bundle/rootfs/sys/fs/cgroup/memory, null, MS_BIND|MS_REC, null)",
                "mount(null, @/bundle/rootfs/sys/fs/cgroup/memory, null, "
                        + "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND, null)",
                "mount(null, @/bundle/rootfs/sys/fs/cgroup, null, "
                        + "MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT, \"mode=755\")"),
                m.subList(i + 1, i + 6));
    }

    @Test
    void rootPropagationFromTheConfig() {
        Spec spec = withLinux(DefaultSpec.example(), linux("rprivate", null, null, null));
        setup(spec, false, UNIFIED).mountAll();
        assertEquals("mount(null, \"/\", null, MS_REC|MS_PRIVATE, null)", sys.calls().getFirst());
    }

    @Test
    void pivotRoot() {
        setup(DefaultSpec.example(), false, UNIFIED).pivotRoot(false);
        assertEquals(List.of(
                "open(\"/\", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = 3",
                "open(\"/bundle/rootfs\", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = 4",
                "fchdir(4)",
                "pivot_root(\".\", \".\")",
                "fchdir(3)",
                "mount(null, \".\", null, MS_REC|MS_SLAVE, null)",
                "umount2(\".\", MNT_DETACH)",
                "chdir(\"/\")",
                "close(3)",
                "close(4)"),
                sys.calls());
    }

    /** The host's table as the container's mount namespace copied it. */
    private static final String HOST_TABLE = String.join("\n",
            "1 0 0:2 / / rw - rootfs rootfs rw",
            "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw",
            "21 26 0:20 / /proc rw,relatime shared:2 - proc proc rw",
            "22 26 0:21 / /sys rw,relatime - sysfs sysfs rw",
            "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw",
            "40 21 0:30 / /proc/sys/fs/binfmt_misc rw - binfmt_misc binfmt_misc rw",
            "50 26 254:0 /bundle/rootfs /bundle/rootfs rw - ext4 /dev/vda rw",
            "51 50 0:39 / /bundle/rootfs/proc rw - proc proc rw",
            "52 50 0:40 / /bundle/rootfs/sys ro - sysfs sysfs ro",
            "53 26 0:20 /sys /srv/proc\\040sys rw - proc proc rw",
            "");

    @Test
    void noPivotUnmountsTheHostsProcAndSysThenMovesTheRootfsAndChroots() {
        sys.mountedAt("/proc", "/sys");
        setup(DefaultSpec.example(), false, UNIFIED).mountInfo(() -> HOST_TABLE).pivotRoot(true);
        // Only whole proc and sysfs mounts outside the rootfs; each made private, and its parent,
        // so the unmount reaches no peer on the host.
        assertEquals(List.of(
                "mount(null, \"/proc\", null, MS_PRIVATE, null)",
                "mount(null, \"/\", null, MS_PRIVATE, null)",
                "umount2(\"/proc\", MNT_DETACH)",
                "mount(null, \"/sys\", null, MS_PRIVATE, null)",
                "mount(null, \"/\", null, MS_PRIVATE, null)",
                "umount2(\"/sys\", MNT_DETACH)",
                "mount(null, \"/\", null, MS_PRIVATE, null)",
                "chdir(\"/bundle/rootfs\")",
                "mount(\"/bundle/rootfs\", \"/\", null, MS_MOVE, null)",
                "chroot(\".\")",
                "chdir(\"/\")"),
                sys.calls());
    }

    @Test
    void noPivotCoversWhatTheKernelLockedInAUserNamespace() {
        sys.mountedAt("/proc", "/sys");
        sys.failAlways("umount2", c -> true, Errno.EINVAL);
        setup(DefaultSpec.example(), true, UNIFIED).mountInfo(() -> HOST_TABLE).pivotRoot(true);
        List<String> covers = sys.calls("mount").stream().filter(l -> l.startsWith("mount(\"tmpfs\"")).toList();
        assertEquals(List.of(
                "mount(\"tmpfs\", \"/proc\", \"tmpfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, \"mode=0555,size=4k\")",
                "mount(\"tmpfs\", \"/sys\", \"tmpfs\", MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC, \"mode=0555,size=4k\")"),
                covers);
        assertTrue(sys.calls().contains("mount(\"/bundle/rootfs\", \"/\", null, MS_MOVE, null)"));
    }

    @Test
    void mountinfoIsParsedWithEscapes() {
        List<HostMounts.Mount> t = HostMounts.parse(HOST_TABLE);
        assertEquals(new HostMounts.Mount(53, 26, "/sys", "/srv/proc sys", "proc"), t.getLast());
        assertEquals(new HostMounts.Mount(21, 26, "/", "/proc", "proc"), t.get(2));
        assertTrue(HostMounts.isAtOrUnder("/bundle/rootfs/proc", "/bundle/rootfs"));
        assertTrue(HostMounts.isAtOrUnder("/bundle/rootfs", "/bundle/rootfs"));
        assertFalse(HostMounts.isAtOrUnder("/bundle/rootfs2", "/bundle/rootfs"));
    }

    @Test
    void rootPropagationIsSetOnTheNewRootLast() {
        Spec spec = withLinux(DefaultSpec.example(), linux("runbindable", null, null, List.of("/proc/sys")));
        RootfsSetup setup = setup(spec, false, UNIFIED);
        setup.pivotRoot(false);
        setup.finish();
        assertEquals("mount(null, \"/\", null, MS_REC|MS_UNBINDABLE, null)", sys.calls("mount").getLast());
        // after the binds of readonlyPaths, which an unbindable tree would refuse
        assertTrue(sys.calls().indexOf("mount(\"/proc/sys\", \"/proc/sys\", null, MS_BIND|MS_REC, null)")
                < sys.calls().indexOf("mount(null, \"/\", null, MS_REC|MS_UNBINDABLE, null)"));
    }

    @Test
    void noRootPropagationWithoutAMountNamespace() {
        Spec spec = withLinux(DefaultSpec.example(), linux("shared", null, null, null));
        setup(spec, false, UNIFIED).ownMountNamespace(false).finish();
        assertFalse(sys.calls().stream().anyMatch(c -> c.contains("MS_SHARED")), sys.calls().toString());
    }

    @Test
    void sharedRootGetsAPrivateParentBeforeItIsBound() {
        Spec spec = withLinux(DefaultSpec.example(), linux("shared", null, null, null));
        sys.mountedAt("/bundle");
        setup(spec, false, UNIFIED).mountAll();
        assertEquals(List.of(
                "mount(null, \"/\", null, MS_REC|MS_SHARED, null)",
                "mount(null, \"/bundle/rootfs\", null, MS_PRIVATE, null) = -1 EINVAL",
                "mount(null, \"/bundle\", null, MS_PRIVATE, null)",
                ROOTFS_BIND),
                sys.mounts().subList(0, 4));
    }

    @Test
    void slaveRootKeepsItsParentASlave() {
        Spec spec = withLinux(DefaultSpec.example(), linux("slave", null, null, null));
        setup(spec, false, UNIFIED).mountAll();
        assertTrue(sys.mounts().contains("mount(null, \"/\", null, MS_SLAVE, null)"), sys.mounts().toString());
        assertFalse(sys.mounts().stream().anyMatch(m -> m.contains("MS_PRIVATE")), sys.mounts().toString());
    }

    @Test
    void defaultPropagationChangesNothingAfterPivotRoot() {
        setup(DefaultSpec.example(), false, UNIFIED).pivotRoot(false);
        assertEquals(List.of("mount(null, \".\", null, MS_REC|MS_SLAVE, null)"), sys.calls("mount"));
    }

    @Test
    void withoutAMountNamespaceNothingOutsideTheRootfsIsTouched() {
        Spec spec = withLinux(DefaultSpec.example(), linux("rshared", null, null, null));
        RootfsSetup setup = setup(spec, false, UNIFIED).ownMountNamespace(false);
        setup.mountAll();
        for (String m : sys.mounts()) {
            assertTrue(m.contains("@/bundle/rootfs/") || m.equals(ROOTFS_BIND), "only under the rootfs: " + m);
        }
        assertEquals(ROOTFS_BIND, sys.mounts().getFirst(), "the read-only root needs a mount of its own");
        assertEquals(List.of("linux.rootfsPropagation \"rshared\" is not applied: there is no mount namespace, "
                + "and the host's mounts are not jrunc's to change"), warnings);
        sys.clearCalls();
        setup.pivotRoot(true);
        assertEquals(List.of(
                "open(\"/bundle/rootfs\", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = " + sys.recorded().getFirst().line().replaceAll(".* = ", ""),
                "fchdir(" + sys.recorded().getFirst().line().replaceAll(".* = ", "") + ")",
                "chroot(\".\")",
                "chdir(\"/\")",
                "close(" + sys.recorded().getFirst().line().replaceAll(".* = ", "") + ")"),
                sys.calls());
    }

    @Test
    void withoutAMountNamespaceAReadOnlyRootIsABindOfItsOwn() {
        Spec d = DefaultSpec.example();
        Spec spec = new Spec(d.ociVersion(), new Spec.Root("rootfs", true), d.mounts(), d.process(), d.hostname(),
                d.domainname(), d.hooks(), d.annotations(), d.linux());
        setup(spec, false, UNIFIED).ownMountNamespace(false).mountAll();
        assertEquals(ROOTFS_BIND, sys.mounts().getFirst());
    }

    @Test
    void theHostsRootIsRefusedAsARootfsWithoutAMountNamespace() {
        dev.jrunc.spec.ConfigException e = assertThrows(dev.jrunc.spec.ConfigException.class,
                () -> RootfsSetup.checkWithoutMountNamespace(Path.of("/")));
        assertEquals("$.root.path", e.path());
        RootfsSetup.checkWithoutMountNamespace(Path.of("/tmp/rootfs"));
    }

    @Test
    void readOnlyDevIsMadeReadOnlyAfterItsNodesAndSubmounts() {
        List<Spec.Mount> mounts = new ArrayList<>(DefaultSpec.example().mounts());
        mounts.replaceAll(m -> m.destination().equals("/dev")
                ? mount("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k", "ro") : m);
        setup(withMounts(DefaultSpec.example(), mounts), false, UNIFIED).mountAll();
        assertTrue(sys.mounts().contains("mount(\"tmpfs\", @/bundle/rootfs/dev, \"tmpfs\", MS_NOSUID|MS_STRICTATIME, "
                + "\"mode=755,size=65536k\")"), "mounted writable first: " + sys.mounts());
        List<String> all = sys.calls();
        int ro = -1;
        for (int i = 0; i < all.size(); i++) if (all.get(i).startsWith("mount_setattr(")) ro = i;
        assertTrue(ro > 0, all.toString());
        assertEquals("mount_setattr(@/bundle/rootfs/dev, \"\", AT_EMPTY_PATH, set=RDONLY, clr=0)", sys.mounts().getLast());
        int lastNode = all.lastIndexOf(all.stream().filter(l -> l.startsWith("symlinkat(")).reduce((a, b) -> b).orElseThrow());
        int pts = all.indexOf(all.stream().filter(l -> l.startsWith("mount(\"devpts\"")).findFirst().orElseThrow());
        assertTrue(ro > lastNode && ro > pts, "after the nodes, links and submounts: " + all);
    }

    @Test
    void recursiveReadOnlyIsAMountSetattrOverTheWholeTree() throws IOException {
        Files.createDirectories(bundle.resolve("vol"));
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data", "bind", "vol", "rbind", "rro", "rnosuid")));
        setup(spec, false, UNIFIED).mountAll();
        assertEquals(List.of(
                "mount(\"" + bundle.resolve("vol") + "\", @/bundle/rootfs/data, null, MS_BIND|MS_REC, null)",
                "mount_setattr(@/bundle/rootfs/data, \"\", AT_EMPTY_PATH|AT_RECURSIVE, set=RDONLY|NOSUID, clr=0)"),
                configMounts().subList(0, 2));
        assertEquals(Map.of(), sys.openFds());
    }

    @Test
    void recursiveAttributesApplyToFilesystemMountsToo() {
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/run", "tmpfs", "tmpfs", "rnoexec", "rnoatime")));
        setup(spec, false, UNIFIED).mountAll();
        assertEquals("mount_setattr(@/bundle/rootfs/run, \"\", AT_EMPTY_PATH|AT_RECURSIVE, set=NOEXEC|NOATIME, clr=_ATIME)",
                configMounts().get(1));
    }

    @Test
    void anIdmappedMountIsMovedIntoPlaceFromItsDetachedTree() {
        sys.dir("/host/vol");
        int tree = sys.openTree(Linux.AT_FDCWD, "/host/vol", Linux.OPEN_TREE_CLONE);
        sys.clearCalls();
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data", null, "/host/vol", "rbind", "idmap", "ro")));
        setup(spec, false, UNIFIED).detachedMounts(Map.of(0, tree)).mountAll();
        assertEquals(List.of(
                "move_mount(@/host/vol, \"\", @/bundle/rootfs/data, \"\", MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH)",
                "mount(null, @/bundle/rootfs/data, null, MS_RDONLY|MS_REMOUNT|MS_BIND, null)"),
                configMounts().subList(0, 2));
        assertEquals(RecordingSyscalls.Kind.DIR, sys.node(ROOTFS + "/data").kind(), "a directory for a directory tree");
    }

    @Test
    void anIdmappedMountWithoutItsTreeIsAnError() {
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data", null, "/host/vol", "bind", "idmap")));
        JruncException e = assertThrows(JruncException.class, () -> setup(spec, false, UNIFIED).mountAll());
        assertTrue(e.getMessage().contains("asks for an idmapping"), e.getMessage());
    }

    @Test
    void aDestinationThroughADanglingSymlinkIsCreatedInsideTheRootfs() {
        sys.symlink(ROOTFS + "/var/run", "/run");
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/var/run/app", "tmpfs", "tmpfs")));
        RootfsSetup setup = setup(spec, false, UNIFIED);
        setup.mountAll();
        assertEquals("mount(\"tmpfs\", @/bundle/rootfs/run/app, \"tmpfs\", 0, null)", configMounts().getFirst());
        assertEquals(RecordingSyscalls.Kind.DIR, sys.node(ROOTFS + "/run/app").kind());
        assertTrue(setup.createdPaths().containsAll(List.of("/run", "/run/app")), setup.createdPaths().toString());
    }

    @Test
    void symlinksClimbingOutOfTheRootfsStayInside() {
        // /data -> ../../../../escape: resolved in the root, ".." stops at it.
        sys.symlink(ROOTFS + "/data", "../../../../escape/here");
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/data/x", "tmpfs", "tmpfs")));
        setup(spec, false, UNIFIED).mountAll();
        assertEquals("mount(\"tmpfs\", @/bundle/rootfs/escape/here/x, \"tmpfs\", 0, null)", configMounts().getFirst());
        assertFalse(sys.exists("/escape"), "nothing outside the rootfs");
        assertFalse(sys.exists("/bundle/escape"), "nothing outside the rootfs");
    }

    @Test
    void aFileDestinationThatIsADanglingSymlinkGetsItsTargetMade() throws IOException {
        Files.writeString(bundle.resolve("resolv.conf"), "nameserver 127.0.0.1\n");
        sys.symlink(ROOTFS + "/etc/resolv.conf", "/run/systemd/resolve/stub-resolv.conf");
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/etc/resolv.conf", "bind", "resolv.conf", "bind")));
        setup(spec, false, UNIFIED).mountAll();
        assertEquals("mount(\"" + bundle.resolve("resolv.conf") + "\", @/bundle/rootfs/run/systemd/resolve/stub-resolv.conf, "
                + "null, MS_BIND, null)", configMounts().getFirst());
        assertEquals(RecordingSyscalls.Kind.FILE, sys.node(ROOTFS + "/run/systemd/resolve/stub-resolv.conf").kind());
    }

    @Test
    void aSymlinkLoopIsAnError() {
        sys.symlink(ROOTFS + "/a", "/b").symlink(ROOTFS + "/b", "/a");
        Spec spec = withMounts(DefaultSpec.example(), List.of(mount("/a/x", "tmpfs", "tmpfs")));
        JruncException e = assertThrows(JruncException.class, () -> setup(spec, false, UNIFIED).mountAll());
        assertTrue(e.getMessage().contains("ELOOP"), e.getMessage());
    }

    @Test
    void whatWasMadeIsReportedEvenWhenAMountFailsAndCanBeRemoved() {
        RecordingSyscalls bare = new RecordingSyscalls().dir(ROOTFS);
        bare.failNextMount("sysfs", Errno.EACCES);
        RootfsSetup setup = new RootfsSetup(bare, DefaultSpec.example(), ROOTFS, bundle, false, UNIFIED, warnings::add);
        assertThrows(JruncException.class, setup::mountAll);
        List<String> made = setup.createdPaths();
        assertTrue(made.containsAll(List.of("/proc", "/dev", "/dev/pts", "/sys")), made.toString());
        assertTrue(made.indexOf("/dev") < made.indexOf("/dev/pts"), "parents first");
        bare.clearCalls();
        bare.forgetMounts(); // the init is gone, and its mount namespace with it
        assertEquals(List.of(), RootPaths.removeCreated(bare, ROOTFS, made));
        assertEquals(List.of(), bare.listing(ROOTFS), "the rootfs is as it was");
        for (String call : bare.calls("openat2")) assertTrue(call.contains("RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS"), call);
    }

    @Test
    void removeCreatedLeavesADirectoryThatGotContent() {
        RecordingSyscalls fs = new RecordingSyscalls().dir(ROOTFS + "/made/sub").file(ROOTFS + "/made/theirs");
        List<String> left = RootPaths.removeCreated(fs, ROOTFS, List.of("/made", "/made/sub"));
        assertEquals(List.of("/made (ENOTEMPTY)"), left);
        assertFalse(fs.exists(ROOTFS + "/made/sub"));
        assertTrue(fs.exists(ROOTFS + "/made/theirs"));
    }

    @Test
    void finishAppliesReadonlyAndMaskedPathsThenTheReadOnlyRoot() throws IOException {
        // Masked paths are looked up after pivot_root, through the (here: host) filesystem.
        Path maskedDir = Files.createDirectories(bundle.resolve("acpi"));
        Path maskedFile = Files.writeString(bundle.resolve("kcore"), "");
        String missing = bundle.resolve("absent").toString();
        sys.failNext("mount", c -> "/proc/gone".equals(c.arg(1)), Errno.ENOENT);
        Spec spec = withLinux(DefaultSpec.example(), linux(null, null,
                List.of(maskedDir.toString(), maskedFile.toString(), missing),
                List.of("/proc/sys", "/proc/gone")));
        setup(spec, false, UNIFIED).finish();
        assertEquals(List.of(
                "mount(\"/proc/sys\", \"/proc/sys\", null, MS_BIND|MS_REC, null)",
                "mount(null, \"/proc/sys\", null, MS_RDONLY|MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_REMOUNT|MS_BIND|MS_REC, null)",
                "mount(\"/proc/gone\", \"/proc/gone\", null, MS_BIND|MS_REC, null) = -1 ENOENT",
                "mount(\"tmpfs\", \"" + maskedDir + "\", \"tmpfs\", MS_RDONLY, null)",
                "mount(\"/dev/null\", \"" + maskedFile + "\", null, MS_BIND, null)",
                "mount(null, \"/\", null, MS_RDONLY|MS_REMOUNT|MS_BIND, null)"),
                sys.calls());
    }
}
