package dev.jrunc.process;

import static org.junit.jupiter.api.Assertions.*;

import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.LinuxSpec;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.Spec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The last stage's options for create and for exec, from one builder. */
class LastStageOptionsTest {
    private static final int LAST_CAP = 40;
    private static final List<String> NET_RAW = List.of("CAP_NET_RAW");

    /** A process that sets every attribute the last stage applies. */
    private static ProcessSpec everything() {
        return new ProcessSpec(true, new ProcessSpec.ConsoleSize(25, 80),
                new ProcessSpec.User(1000, 1001, 027, List.of(10L, 20L), null), List.of("sh", "-c", "true"), null,
                List.of("PATH=/bin"), "/work",
                new ProcessSpec.Capabilities(NET_RAW, NET_RAW, NET_RAW, NET_RAW, NET_RAW),
                List.of(new ProcessSpec.Rlimit("RLIMIT_NOFILE", 1024, 4096)), true, "jrunc-test-profile", 100,
                new ProcessSpec.Scheduler("SCHED_BATCH", 7, null, null, null, null, null),
                "system_u:system_r:container_t:s0", new ProcessSpec.IoPriority("IOPRIO_CLASS_BE", 3),
                new ProcessSpec.ExecCpuAffinity("0", "1"));
    }

    private static ProcessSpec bare(String... args) {
        return new ProcessSpec(false, null, null, List.of(args), null, null, "/", null, null, null, null, null, null,
                null, null, null);
    }

    private static final LinuxSpec.Personality LINUX32 = new LinuxSpec.Personality("LINUX32", null);

    /** The attributes' part, the same for create and exec but for execCPUAffinity. */
    private static final List<String> SCHED_IOPRIO_PERSONALITY = List.of(
            "--sched", "3,0,7,0,0,0,0", "--ioprio", Integer.toString((2 << 13) | 3), "--personality", "0x8");
    private static final List<String> LABELS = List.of(
            "--apparmor", "jrunc-test-profile", "--selinux", "system_u:system_r:container_t:s0");
    private static final List<String> IDENTITY_TO_CWD = List.of(
            "--uid", "1000", "--gid", "1001", "--groups", "10,20", "--last-cap", "40",
            "--rlimit", "7,1024,4096", "--caps", "2000,2000,2000,2000,2000", "--nnp",
            "--console", "--console-size", "25x80");

    @Test
    void createHasItsCgroupNamespaceAndHooksButNoExecCpuAffinity() {
        Spec.Hook hook = new Spec.Hook("/bin/hook", List.of("hook", "a"), List.of("X=1"), 5);
        List<String> warnings = new ArrayList<>();
        List<String> create = new LastStageOptions(everything(), "/work", "config.json", "$.process", LAST_CAP, -1L)
                .newCgroupNamespace(true).seccomp(true).preserveFds(2).umask(027).personality(LINUX32)
                .execCpuAffinity(false).startHooks(List.of(hook), "{\"id\":\"c1\"}")
                .build(warnings::add);
        List<String> expected = new ArrayList<>(IDENTITY_TO_CWD);
        expected.addAll(List.of("--cgroupns", "--seccomp", "--cwd", "/work", "--preserve-fds", "2", "--umask", "027"));
        expected.addAll(SCHED_IOPRIO_PERSONALITY);
        expected.addAll(LABELS);
        expected.addAll(List.of("--hook-state", "{\"id\":\"c1\"}",
                "--start-hook", "/bin/hook\u001f5\u001fhook\u001ea\u001fX=1"));
        assertEquals(expected, create);
        assertEquals(List.of(), warnings);
    }

    @Test
    void execHasExecCpuAffinityAndTheSameAttributes() {
        List<String> exec = new LastStageOptions(everything(), "/work", "exec", "$", LAST_CAP, -1L)
                .seccomp(true).preserveFds(1).umask(027).personality(LINUX32).execCpuAffinity(true)
                .build(w -> fail(w));
        List<String> expected = new ArrayList<>(IDENTITY_TO_CWD);
        expected.addAll(List.of("--seccomp", "--cwd", "/work", "--preserve-fds", "1", "--umask", "027"));
        expected.addAll(SCHED_IOPRIO_PERSONALITY);
        expected.addAll(List.of("--cpus-initial", "0", "--cpus-final", "1"));
        expected.addAll(LABELS);
        assertEquals(expected, exec);
    }

    @Test
    void aBareProcessGetsOnlyIdentityAndCwd() {
        List<String> options = new LastStageOptions(bare("true"), "/", "exec", "$", LAST_CAP, -1L)
                .execCpuAffinity(true).build(w -> fail(w));
        assertEquals(List.of("--uid", "0", "--gid", "0", "--groups", "", "--last-cap", "40", "--cwd", "/",
                "--preserve-fds", "0"), options);
    }

    @Test
    void capabilitiesOutsideWhatTheStageHoldsAreLeftOutWithAWarning() {
        List<String> warnings = new ArrayList<>();
        // the stage holds only CAP_CHOWN (bit 0): NET_RAW cannot be given
        List<String> options = new LastStageOptions(everything(), "/", "exec", "$", LAST_CAP, 1L)
                .build(warnings::add);
        assertEquals("0,0,0,0,0", options.get(options.indexOf("--caps") + 1));
        assertFalse(warnings.isEmpty());
        assertTrue(warnings.getFirst().contains("CAP_NET_RAW"), warnings.toString());
    }

    @Test
    void anExecDocumentsBadValueIsNamedByItsPathInThatDocument() {
        ProcessSpec badIo = new ProcessSpec(false, null, null, List.of("true"), null, null, "/", null, null, null,
                null, null, null, null, new ProcessSpec.IoPriority("IOPRIO_CLASS_BE", 9), null);
        ConfigException io = assertThrows(ConfigException.class,
                () -> new LastStageOptions(badIo, "/", "process.json", "$", LAST_CAP, -1L).build(w -> { }));
        assertEquals("process.json", io.document());
        assertEquals("$.ioPriority.priority", io.path());

        ProcessSpec badCpus = new ProcessSpec(false, null, null, List.of("true"), null, null, "/", null, null, null,
                null, null, null, null, null, new ProcessSpec.ExecCpuAffinity("0", "3-1"));
        ConfigException cpus = assertThrows(ConfigException.class,
                () -> new LastStageOptions(badCpus, "/", "process.json", "$", LAST_CAP, -1L).execCpuAffinity(true)
                        .build(w -> { }));
        assertEquals("$.execCPUAffinity.final", cpus.path());

        ProcessSpec badSched = new ProcessSpec(false, null, null, List.of("true"), null, null, "/", null, null, null,
                null, null, new ProcessSpec.Scheduler("SCHED_OTHER", 0, 5, null, null, null, null), null, null, null);
        ConfigException sched = assertThrows(ConfigException.class,
                () -> new LastStageOptions(badSched, "/", "config.json", "$.process", LAST_CAP, -1L).build(w -> { }));
        assertEquals("config.json: $.process.scheduler.priority: can only be given for SCHED_FIFO or SCHED_RR",
                sched.getMessage());
    }

    @Test
    void anExecProcessTakesWhatItLeavesOutFromTheContainersAsRuncDoes() {
        ProcessSpec container = everything();
        ProcessSpec exec = bare("ps").withDefaultsFrom(container);
        assertEquals(container.capabilities(), exec.capabilities());
        assertEquals(container.rlimits(), exec.rlimits());
        assertEquals(container.scheduler(), exec.scheduler());
        assertEquals(container.ioPriority(), exec.ioPriority());
        assertEquals(container.execCPUAffinity(), exec.execCPUAffinity());
        assertEquals(container.apparmorProfile(), exec.apparmorProfile());
        assertEquals(container.selinuxLabel(), exec.selinuxLabel());
        assertEquals(027, exec.user().umask());
        assertEquals(0, exec.user().uid());
        // what the exec'd process is given is its own
        assertEquals(List.of("ps"), exec.args());
        assertFalse(exec.isNoNewPrivileges(), "noNewPrivileges is the exec'd process's own, as in runc");
        assertFalse(exec.isTerminal());
        assertNull(exec.oomScoreAdj());

        ProcessSpec own = new ProcessSpec(false, null, new ProcessSpec.User(5, 6, 077, null, null), List.of("id"),
                null, null, "/", new ProcessSpec.Capabilities(List.of(), List.of(), List.of(), List.of(), List.of()),
                List.of(new ProcessSpec.Rlimit("RLIMIT_NPROC", 1, 2)), false, "other", null,
                new ProcessSpec.Scheduler("SCHED_IDLE", null, null, null, null, null, null), "other_t",
                new ProcessSpec.IoPriority("IOPRIO_CLASS_IDLE", 0), new ProcessSpec.ExecCpuAffinity(null, "0"));
        assertEquals(own, own.withDefaultsFrom(container));
        assertEquals(bare("true"), bare("true").withDefaultsFrom(bare("sleep")));
    }
}
