package dev.jrunc.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.JruncException;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.process.Capabilities;
import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.Seccomp;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * prepare() against the recording syscalls. What it still reads from the real filesystem
 * (process.cwd, the executable, masked paths) is pointed into a temporary directory; /proc writes
 * (oom_score_adj, sysctl) go to a recorder.
 */
class ContainerInitTest {
    private static final String ROOTFS = "/bundle/rootfs";

    @TempDir Path tmp;

    private final RecordingSyscalls sys = new RecordingSyscalls().dir(ROOTFS + "/proc", ROOTFS + "/sys");
    private final List<String> procWrites = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private Path program;

    @BeforeEach
    void program() throws IOException {
        program = Files.createDirectories(tmp.resolve("bin")).resolve("app");
        Files.writeString(program, "#!/bin/sh\n");
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private ProcessSpec process(ProcessSpec.User user, List<String> args, String cwd, Integer oomScoreAdj,
            List<ProcessSpec.Rlimit> rlimits, ProcessSpec.Capabilities caps, boolean nnp) {
        ProcessSpec p = DefaultSpec.example().process();
        return new ProcessSpec(false, null, user, args, null, p.env(), cwd, caps, rlimits, nnp, null, oomScoreAdj,
                null, null, null, null);
    }

    private static Spec spec(ProcessSpec process, String hostname, String domainname, Map<String, String> sysctl,
            Seccomp seccomp) {
        Spec d = DefaultSpec.example();
        LinuxSpec l = d.linux();
        LinuxSpec linux = new LinuxSpec(l.namespaces(), null, null, null, null, null, l.resources(), null, seccomp,
                sysctl, List.of(), List.of(), null, null, null, null, null);
        return new Spec(d.ociVersion(), d.root(), d.mounts(), process, hostname, domainname, null, null, linux);
    }

    private ContainerInit init(Spec spec, boolean cgroupns) {
        return init(spec, cgroupns, true);
    }

    private ContainerInit init(Spec spec, boolean cgroupns, boolean mountNamespace) {
        return new ContainerInit(sys, plan(spec, cgroupns, mountNamespace), warnings::add,
                (path, value) -> procWrites.add(path + "=" + value));
    }

    private InitPlan plan(Spec spec, boolean cgroupns) {
        return plan(spec, cgroupns, true);
    }

    private InitPlan plan(Spec spec, boolean cgroupns, boolean mountNamespace) {
        return new InitPlan(spec, ROOTFS, tmp.toString(), false, "/run/jrunc/c1/exec.fifo",
                "/usr/libexec/jrunc-nsexec", 2, false, cgroupns, Map.of("", "/sys/fs/cgroup/c1"), null, mountNamespace);
    }

    private Spec fullSpec() {
        ProcessSpec.User user = new ProcessSpec.User(1000, 1001, 027, List.of(10L, 20L), null);
        List<ProcessSpec.Rlimit> rlimits = List.of(new ProcessSpec.Rlimit("RLIMIT_NOFILE", 1024, 4096),
                new ProcessSpec.Rlimit("RLIMIT_CORE", -1, -1), new ProcessSpec.Rlimit("RLIMIT_NPROC", 100, 200));
        Map<String, String> sysctl = new LinkedHashMap<>();
        sysctl.put("net.ipv4.ip_forward", "1");
        sysctl.put("kernel/shm_rmid_forced", "1");
        ProcessSpec process = process(user, List.of(program.toString(), "--serve"), tmp.toString(), 500, rlimits,
                DefaultSpec.example().process().capabilities(), true);
        return spec(process, "box", "example.org", sysctl, null);
    }

    @Test
    void processAttributesAroundTheRootfs() {
        init(fullSpec(), false).prepare();
        assertEquals("prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)", sys.calls().getFirst());
        // rlimits are the last stage's, just before execve: set in this JVM, they would bind it.
        assertEquals(List.of(
                "prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)",
                "pivot_root(\".\", \".\")",
                "sethostname(\"box\")",
                "setdomainname(\"example.org\")",
                "umask(027)"),
                sys.calls("prctl", "prlimit", "pivot_root", "sethostname", "setdomainname", "umask").stream()
                        .filter(l -> !l.startsWith("umask(0)") && !l.equals("umask(022)")).toList());
        // hostname after pivot_root, the process umask last.
        assertEquals("umask(027)", sys.calls().getLast());
    }

    @Test
    void whatTheRootfsSetUpMadeIsReportedEvenWhenItFails() {
        RecordingSyscalls bare = new RecordingSyscalls().dir(ROOTFS);
        bare.failNextMount("sysfs", dev.jrunc.linux.Errno.EACCES);
        InitPlan plan = new InitPlan(fullSpec(), ROOTFS, tmp.toString(), false, "/run/jrunc/c1/exec.fifo",
                "/usr/libexec/jrunc-nsexec", 0, false, false, Map.of("", "/sys/fs/cgroup/c1"), null, true);
        List<List<String>> reports = new ArrayList<>();
        ContainerInit init = new ContainerInit(bare, plan, warnings::add, (path, value) -> { }).onCreated(reports::add);
        assertThrows(JruncException.class, init::prepare);
        assertEquals(1, reports.size());
        assertTrue(reports.getFirst().containsAll(List.of("/proc", "/dev", "/sys")), reports.toString());
    }

    @Test
    void withoutAMountNamespaceTheRootIsAChroot() {
        init(fullSpec(), false, false).prepare();
        assertEquals(List.of(), sys.calls("pivot_root"));
        assertTrue(sys.calls().contains("chroot(\".\")"), sys.calls().toString());
        assertTrue(sys.calls("mount").stream().noneMatch(m -> m.startsWith("mount(null, \"/\", null, MS_REC")),
                "the host's propagation is left alone: " + sys.calls("mount"));
    }

    @Test
    void procFilesAreWrittenBeforeAnyMount() {
        init(fullSpec(), false).prepare();
        assertEquals(List.of("/proc/self/oom_score_adj=500", "/proc/sys/net/ipv4/ip_forward=1",
                "/proc/sys/kernel/shm_rmid_forced=1"), procWrites);
    }

    @Test
    void aSysctlTheKernelRefusesNamesItsEntry() {
        ContainerInit init = new ContainerInit(sys, plan(fullSpec(), false), warnings::add, (path, value) -> {
            if (path.endsWith("ip_forward")) throw new JruncException("write " + path + " = " + value + ": Invalid argument");
        });
        JruncException e = assertThrows(JruncException.class, init::prepare);
        assertEquals("$.linux.sysctl[\"net.ipv4.ip_forward\"]: write /proc/sys/net/ipv4/ip_forward = 1: Invalid argument",
                e.getMessage());
    }

    @Test
    void finalStageArguments() {
        ContainerInit.FinalStage stage = init(fullSpec(), false).prepare();
        assertEquals(program.toString(), stage.executable());
        assertEquals(List.of("jrunc-nsexec", "exec",
                "--uid", "1000", "--gid", "1001", "--groups", "10,20",
                "--last-cap", Integer.toString(Capabilities.lastCap()),
                "--rlimit", "7,1024,4096", "--rlimit", "4,18446744073709551615,18446744073709551615",
                "--rlimit", "6,100,200",
                "--caps", "20000420,20000420,20000420,0,20000420",
                "--nnp",
                "--cwd", tmp.toString(), "--preserve-fds", "2"), stage.argv());
    }

    /** The same builder as exec's: the attributes of the process, but not execCPUAffinity (config.md: not for the init). */
    @Test
    void schedulerIoPriorityAndLabelsButNotExecCpuAffinity() {
        ProcessSpec p = fullSpec().process();
        ProcessSpec withAttributes = new ProcessSpec(p.terminal(), p.consoleSize(), p.user(), p.args(), null, p.env(),
                p.cwd(), p.capabilities(), p.rlimits(), p.noNewPrivileges(), "a-profile", p.oomScoreAdj(),
                new ProcessSpec.Scheduler("SCHED_IDLE", null, null, null, null, null, null), "a_t",
                new ProcessSpec.IoPriority("IOPRIO_CLASS_IDLE", 0), new ProcessSpec.ExecCpuAffinity("0", "0"));
        List<String> argv = init(spec(withAttributes, null, null, null, null), false).prepare().argv();
        int at = argv.indexOf("--sched");
        assertTrue(at > 0, argv.toString());
        assertEquals(List.of("--sched", "5,0,0,0,0,0,0", "--ioprio", Integer.toString(3 << 13), "--apparmor",
                "a-profile", "--selinux", "a_t"), argv.subList(at, argv.size()));
    }

    @Test
    void cgroupNamespaceAndSeccompFlags() {
        Spec full = fullSpec();
        Spec withSeccomp = spec(full.process(), null, null, null,
                new Seccomp("SCMP_ACT_ALLOW", null, null, null, null, null, null));
        ContainerInit.FinalStage stage = init(withSeccomp, true).prepare();
        List<String> argv = stage.argv();
        assertTrue(argv.indexOf("--cgroupns") > argv.indexOf("--nnp"), argv.toString());
        assertTrue(argv.indexOf("--seccomp") > argv.indexOf("--cgroupns"), argv.toString());
        assertEquals(List.of(), sys.calls("sethostname", "setdomainname"));
    }

    @Test
    void defaultsWithoutUserCapsOrUmask() {
        ProcessSpec process = process(null, List.of(program.toString()), null, null, null, null, false);
        ContainerInit.FinalStage stage = init(spec(process, null, null, null, null), false).prepare();
        assertEquals(List.of("jrunc-nsexec", "exec", "--uid", "0", "--gid", "0", "--groups", "",
                "--last-cap", Integer.toString(Capabilities.lastCap()), "--cwd", "/", "--preserve-fds", "2"),
                stage.argv());
        assertEquals("umask(022)", sys.calls().getLast());
        assertEquals(List.of(), sys.calls("prlimit"));
        assertEquals(List.of(), procWrites);
    }

    @Test
    void withoutAProcessTheLastStageOnlyWaits() {
        Spec d = fullSpec();
        Spec noProcess = new Spec(d.ociVersion(), d.root(), d.mounts(), null, "box", null, null, null, d.linux());
        ContainerInit.FinalStage stage = init(noProcess, false).prepare();
        assertEquals(List.of("jrunc-nsexec", "exec", "--no-process", "--cwd", "/"), stage.argv());
        assertEquals(null, stage.executable());
        assertEquals(List.of(), procWrites.stream().filter(w -> w.contains("oom_score_adj")).toList());
        assertEquals(List.of("sethostname(\"box\")"), sys.calls("sethostname"));
    }

    @Test
    void executableIsLookedUpInThePath() {
        List<String> env = List.of("PATH=" + tmp.resolve("nothing") + ":" + program.getParent(), "TERM=xterm");
        ProcessSpec p = process(null, List.of("app"), null, null, null, null, false);
        ProcessSpec withEnv = new ProcessSpec(p.terminal(), null, null, p.args(), null, env, null, null, null, null,
                null, null, null, null, null, null);
        assertEquals(program.toString(), init(spec(withEnv, null, null, null, null), false).prepare().executable());
    }

    @Test
    void missingExecutable() {
        ProcessSpec p = process(null, List.of("definitely-not-here"), null, null, null, null, false);
        ProcessSpec withEnv = new ProcessSpec(false, null, null, p.args(), null, List.of("PATH=" + tmp), null, null,
                null, null, null, null, null, null, null, null);
        JruncException e = assertThrows(JruncException.class,
                () -> init(spec(withEnv, null, null, null, null), false).prepare());
        assertEquals("exec: \"definitely-not-here\": executable file not found in $PATH", e.getMessage());
    }

    @Test
    void missingCwdIsCreated() {
        Path cwd = tmp.resolve("work/dir");
        ProcessSpec process = process(null, List.of(program.toString()), cwd.toString(), null, null, null, false);
        ContainerInit.FinalStage stage = init(spec(process, null, null, null, null), false).prepare();
        assertTrue(Files.isDirectory(cwd));
        assertTrue(String.join(" ", stage.argv()).contains("--cwd " + cwd + " "));
    }

    @Test
    void invalidSysctlKeysAreRefusedAtCreate() {
        for (String key : List.of("..kernel", "/kernel/x", "kernel/../../etc", "../x")) {
            ProcessSpec process = process(null, List.of(program.toString()), null, null, null, null, false);
            Spec spec = spec(process, null, null, Map.of(key, "1"), null);
            JruncException e = assertThrows(JruncException.class, () -> dev.jrunc.process.Sysctls.check(spec.linux()), key);
            assertEquals("config.json: $.linux.sysctl[\"" + key + "\"]: invalid sysctl key", e.getMessage());
        }
    }

    @Test
    void unknownCapabilityFailsWithItsJsonPath() {
        ProcessSpec process = process(null, List.of(program.toString()), null, null, null,
                new ProcessSpec.Capabilities(List.of("CAP_KILL", "CAP_TELEPORT"), null, null, null, null), false);
        JruncException e = assertThrows(JruncException.class,
                () -> init(spec(process, null, null, null, null), false).prepare());
        assertEquals("config.json: $.process.capabilities.bounding[1]: unknown capability \"CAP_TELEPORT\"",
                e.getMessage());
    }

    @Test
    void runExecsTheHelperWithTheSyncAndFifoFds() {
        Path helper = tmp.resolve("jrunc-nsexec");
        try {
            Files.write(helper, new byte[] {0x7f, 'E', 'L', 'F'});
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        sys.file("/run/jrunc/c1/exec.fifo");
        ProcessSpec process = process(null, List.of(program.toString(), "-x"), null, null, null, null, false);
        InitPlan plan = new InitPlan(spec(process, null, null, null, null), ROOTFS, tmp.toString(), false,
                "/run/jrunc/c1/exec.fifo", helper.toString(), 0, false, false, Map.of(), null, true);
        ContainerInit init = new ContainerInit(sys, plan, warnings::add, (p, v) -> procWrites.add(p));
        JruncException e = assertThrows(JruncException.class, () -> init.run(new SyncSocket(sys, 99)));
        assertEquals("execveat of the native helper returned", e.getMessage());
        // The helper runs from a sealed in-memory copy, never from the host's file.
        assertTrue(sys.calls().get(0).startsWith("memfd_create(\"jrunc-nsexec\""), sys.calls().get(0));
        assertTrue(sys.calls().stream().anyMatch(c -> c.startsWith("fcntl(3, F_ADD_SEALS")), sys.calls().toString());
        // Its command line (readable in the container) holds fd numbers only; the options, with the
        // exec fifo's directory (opened here, fd 4), are in an anonymous file it inherits.
        String exec = sys.calls("execveat").getFirst();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "execveat\\(3, \"\", \\[\"jrunc-nsexec\", \"exec\", \"--sync-fd\", \"99\", \"--opts-fd\", \"(\\d+)\"\\], \\[\"PATH=.*\\], AT_EMPTY_PATH\\)")
                .matcher(exec);
        assertTrue(m.matches(), exec);
        assertEquals("open(\"/run/jrunc/c1\", O_PATH|O_DIRECTORY) = 4", sys.calls("open").getFirst());
        assertEquals("memfd_create(\"jrunc-options\", 0)", sys.calls("memfd_create").getLast());
        String options = sys.calls("write").getLast().replace('\0', '|');
        assertTrue(options.startsWith("write(" + m.group(1) + ", \"--uid|0|--gid|0|--groups||--last-cap|"), options);
        assertTrue(options.endsWith("--fifo-at|4:exec.fifo|--|" + program + "|" + program + "|-x|\")"), options);
    }
}
