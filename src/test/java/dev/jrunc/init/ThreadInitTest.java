package dev.jrunc.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.Spec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The init in a thread of the runtime: what that thread does in which order (its own filesystem
 * context, the container's namespaces, then the rootfs), and the handshake with PID 1 over the
 * sync socket (FSMOUNT/FSMOUNTED for proc, and in a user namespace for every new filesystem;
 * then ROOT, FIFODIR, EXEC).
 */
class ThreadInitTest {
    private static final String ROOTFS = "/bundle/rootfs";
    private static final int PID = 999_999_999; // no such process here: nothing is read from the real /proc for it
    private static final int SYNC = 50;
    private static final int FIFO_DIR = 51;

    private final RecordingSyscalls sys = new RecordingSyscalls().dir(ROOTFS + "/proc", ROOTFS + "/sys");
    private final List<String> warnings = new ArrayList<>();

    RecordingSyscalls withNamespaces() {
        for (String ns : List.of("pid", "net", "ipc", "uts", "mnt")) sys.file("/proc/" + PID + "/ns/" + ns);
        sys.dir("/proc/" + PID + "/root");
        return sys;
    }

    private ThreadInit init(Spec spec) {
        InitPlan plan = new InitPlan(spec, ROOTFS, "/bundle", false, "/run/jrunc/c1/exec.fifo",
                "/usr/libexec/jrunc-nsexec", 0, false, false, Map.of("", "/sys/fs/cgroup/c1"), null, true);
        return new ThreadInit(sys, plan, new SyncSocket(sys, SYNC), PID, 022, warnings::add);
    }

    @Test
    void theThreadJoinsTheNamespacesBeforeTouchingTheRootfsAndPid1GetsRootFifoAndOptionsLast() {
        withNamespaces().receiveWithFd("FSMOUNTED", "fsmount:proc");
        List<List<String>> made = new ArrayList<>();
        init(DefaultSpec.example()).onCreated(made::add).run(FIFO_DIR, "exec.fifo");

        List<String> calls = sys.calls();
        int unshare = calls.indexOf("unshare(0x200)");
        assertTrue(unshare >= 0, "its own filesystem context (CLONE_FS): " + calls);
        List<String> setns = sys.calls("setns");
        assertEquals(5, setns.size(), setns.toString());
        for (String type : List.of("0x20000000", "0x40000000", "0x8000000", "0x4000000", "0x20000")) {
            assertTrue(setns.stream().anyMatch(l -> l.endsWith(", " + type + ")")), "setns " + type + ": " + setns);
        }
        // the mount namespace last, after the thread's umask (the caller's) is set
        assertTrue(setns.getLast().endsWith(", 0x20000)"), setns.toString());
        assertEquals(unshare + 1, calls.indexOf("umask(022)"));
        int lastSetns = calls.lastIndexOf(setns.getLast());
        int firstMount = calls.indexOf(calls.stream().filter(l -> l.startsWith("mount(")).findFirst().orElseThrow());
        assertTrue(lastSetns < firstMount, "every namespace joined before the first mount");
        // then PID 1's root (where the runtime runs chrooted, not the namespace's root): every path
        // of the plan is relative to it
        String rootOpen = calls.stream().filter(l -> l.startsWith("open(\"/proc/" + PID + "/root\"")).findFirst().orElseThrow();
        assertTrue(calls.indexOf(rootOpen) < unshare, "opened before the thread joins: " + calls);
        int chroot = calls.indexOf("chroot(\".\")");
        assertTrue(lastSetns < chroot && chroot < firstMount, calls.toString());
        assertTrue(calls.get(chroot - 1).startsWith("fchdir("), calls.get(chroot - 1));

        // proc is made by PID 1, asked for with FSMOUNT; nothing else without a user namespace
        List<String> asked = sys.calls("send").stream().filter(l -> l.startsWith("send(" + SYNC + ", \"FSMOUNT ")).toList();
        assertEquals(List.of("send(" + SYNC + ", \"FSMOUNT 0\u0000proc\u0000proc\u0000\")"), asked,
                "proc, no options: " + asked);
        assertTrue(sys.mounts().stream().anyMatch(l -> l.startsWith("move_mount(@fsmount:proc, \"\", @/bundle/rootfs/proc, ")),
                "PID 1's mount, attached here: " + sys.mounts());
        assertFalse(sys.mounts().stream().anyMatch(m -> m.startsWith("mount(\"proc\"")), "no mount(2) of proc: " + sys.mounts());
        assertTrue(sys.calls("setfsuid", "setfsgid", "capset", "prctl").isEmpty(), "no user namespace: the thread's ids stay");

        // after the root moved: ROOT, FIFODIR, EXEC, in that order
        List<String> sent = sys.calls("sendFd");
        assertEquals(3, sent.size(), sent.toString());
        assertTrue(sent.get(0).endsWith(", \"ROOT\")"), sent.toString());
        assertEquals("sendFd(" + SYNC + ", " + FIFO_DIR + ", \"FIFODIR exec.fifo\")", sent.get(1));
        assertTrue(sent.get(2).endsWith(", \"EXEC\")"), sent.toString());
        assertTrue(calls.indexOf("pivot_root(\".\", \".\")") < calls.indexOf(sent.get(0)));
        assertTrue(calls.indexOf("sethostname(\"runc\")") < calls.indexOf(sent.get(0)));

        // the options: the last stage's own, the process's umask, the program after "--"
        String options = sys.calls("write").stream().filter(l -> l.contains("--umask")).findFirst().orElseThrow()
                .replace('\u0000', ' ');
        assertTrue(options.contains(" --umask 022 -- /"), options);
        assertTrue(options.contains(" --console "), "process.terminal: " + options);
        assertFalse(options.contains("--sync-fd") || options.contains("--fifo-at"), "PID 1 adds its own fds: " + options);
        assertFalse(made.isEmpty(), "what the rootfs setup made is reported");
        // the thread's fds are closed once sent: nothing of the container stays open here
        int root = Integer.parseInt(sent.get(0).replaceAll("sendFd\\(\\d+, (\\d+),.*", "$1"));
        assertTrue(calls.contains("close(" + root + ")"), "the root fd is closed");
    }

    /** The options come from the builder exec uses too: the attributes of create, not execCPUAffinity. */
    @Test
    void theLastStageGetsSchedulerIoPriorityAndPersonalityButNotExecCpuAffinity() {
        withNamespaces().receiveWithFd("FSMOUNTED", "fsmount:proc");
        Spec d = DefaultSpec.example();
        ProcessSpec p = d.process();
        ProcessSpec withAttributes = new ProcessSpec(p.terminal(), p.consoleSize(), p.user(), p.args(), null, p.env(),
                p.cwd(), p.capabilities(), p.rlimits(), p.noNewPrivileges(), null, null,
                new ProcessSpec.Scheduler("SCHED_BATCH", 7, null, null, null, null, null), null,
                new ProcessSpec.IoPriority("IOPRIO_CLASS_BE", 3), new ProcessSpec.ExecCpuAffinity("0", "1"));
        LinuxSpec l = d.linux();
        LinuxSpec linux = new LinuxSpec(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(),
                l.cgroupsPath(), l.resources(), l.rootfsPropagation(), l.seccomp(), l.sysctl(), l.maskedPaths(),
                l.readonlyPaths(), l.mountLabel(), l.intelRdt(), new LinuxSpec.Personality("LINUX32", null),
                l.memoryPolicy(), l.netDevices());
        Spec spec = new Spec(d.ociVersion(), d.root(), d.mounts(), withAttributes, d.hostname(), d.domainname(),
                d.hooks(), d.annotations(), linux);
        init(spec).run(FIFO_DIR, "exec.fifo");
        String options = sys.calls("write").stream().filter(w -> w.contains("--umask")).findFirst().orElseThrow()
                .replace('\u0000', ' ');
        assertTrue(options.contains(" --sched 3,0,7,0,0,0,0 --ioprio " + ((2 << 13) | 3) + " --personality 0x8 "),
                options);
        assertFalse(options.contains("--cpus-"), "execCPUAffinity is not for the init: " + options);
    }

    @Test
    void inAUserNamespacePid1MakesEveryFilesystemAndTheThreadCreatesAsTheNamespacesRoot() {
        withNamespaces();
        // proc, /dev's tmpfs, devpts, /dev/shm's tmpfs, mqueue; sysfs is refused (a user namespace
        // without a network namespace of its own may not make one): the host's /sys, read-only
        for (String type : List.of("proc", "tmpfs", "devpts", "tmpfs", "mqueue")) sys.receiveWithFd("FSMOUNTED", "fsmount:" + type);
        sys.receive("FSFAILED 1 fsopen(sysfs)");
        // then a read-only tmpfs per masked directory (those this host has)
        for (int i = 0; i < 20; i++) sys.receiveWithFd("FSMOUNTED", "fsmount:tmpfs");
        InitPlan plan = new InitPlan(DefaultSpec.example(), ROOTFS, "/bundle", false, "/run/jrunc/c1/exec.fifo",
                "/usr/libexec/jrunc-nsexec", 0, true, false, Map.of("", "/sys/fs/cgroup/c1"), null, true);
        new ThreadInit(sys, plan, new SyncSocket(sys, SYNC), PID, 022, warnings::add).filesOwnedBy(100000, 200000)
                .run(FIFO_DIR, "exec.fifo");

        List<String> calls = sys.calls();
        List<String> asked = sys.calls("send").stream().filter(l -> l.startsWith("send(" + SYNC + ", \"FSMOUNT "))
                .map(l -> l.split("\u0000")[1]).toList();
        assertEquals(List.of("proc", "tmpfs", "devpts", "tmpfs", "mqueue", "sysfs"), asked.subList(0, 6),
                "every new filesystem is PID 1's: " + asked);
        assertTrue(asked.subList(6, asked.size()).stream().allMatch("tmpfs"::equals), "masks: " + asked);
        assertTrue(sys.mounts().stream().noneMatch(m -> m.startsWith("mount(\"") && !m.startsWith("mount(\"/")),
                "no mount(2) of a new filesystem here: " + sys.mounts());
        assertTrue(sys.mounts().contains("mount(\"/sys\", @/bundle/rootfs/sys, null, MS_BIND|MS_REC, null)"), sys.mounts().toString());
        // the namespace's root owns what the thread creates: ids set after the namespaces are
        // joined, before anything is created, and the capabilities the fsuid change dropped are back
        int gid = calls.indexOf("setfsgid(200000)");
        int uid = calls.indexOf("setfsuid(100000)");
        int caps = calls.indexOf("capset(effective = permitted)");
        int lastSetns = calls.lastIndexOf(sys.calls("setns").getLast());
        int firstMade = calls.indexOf(calls.stream().filter(l -> l.startsWith("mkdirat(") || l.startsWith("symlinkat("))
                .findFirst().orElseThrow());
        assertTrue(lastSetns < gid && gid < uid && uid < caps && caps < firstMade, calls.toString());
        // the fsuid change made the process non-dumpable: it is dumpable again once the thread ended
        assertTrue(calls.lastIndexOf("prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)") > caps, calls.toString());
        // devices are bound from the host: no node a user namespace's root could not make
        assertTrue(sys.calls("mknodat").isEmpty(), sys.calls("mknodat").toString());
    }

    @Test
    void aFailureOfPid1ToMakeProcIsTheCreatesErrorAndNothingIsSentAfter() {
        withNamespaces().receive("FSFAILED 1 fsopen(proc)");
        JruncException e = assertThrows(JruncException.class, () -> init(DefaultSpec.example()).run(FIFO_DIR, "exec.fifo"));
        assertTrue(e.getMessage().contains("mount proc on /proc (type proc): fsopen(proc): "), e.getMessage());
        assertTrue(sys.calls("sendFd").isEmpty(), "no ROOT, FIFODIR or EXEC after a failure: " + sys.calls("sendFd"));
        // the namespace fds opened for the thread are closed again
        for (String l : sys.calls("open")) {
            if (!l.contains("/ns/")) continue;
            String fd = l.replaceAll(".* = (\\d+)$", "$1");
            assertTrue(sys.calls().contains("close(" + fd + ")"), "closed: " + l);
        }
    }
}
