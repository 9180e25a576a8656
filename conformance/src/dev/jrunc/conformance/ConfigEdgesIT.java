package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.linux.Syscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Config values at the edge of what the kernel takes, each seen from both sides with a real
 * container: the largest accepted value reaches the container's process whole, one step further
 * is refused with an error naming the field and the limit, and nothing is left behind.
 */
class ConfigEdgesIT extends ContainerTest {
    private static final int MAX_ARG_STRLEN = 32 * 4096;

    private Jrunc.Result refusedCreate(Bundle b, String... mentions) {
        String id = newId("edge");
        Jrunc.Result r = create(b, id).assertExit(1);
        for (String m : mentions) assertContains(r.err(), m);
        assertNotContains(r.err(), "\tat ");
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("jrunc: ") && !l.contains("warning")).count(),
                "one error line: " + r.err());
        assertNothingLeftBehind(id);
        return r;
    }

    @Test
    void anArgumentOfMaxArgStrlenMinusOneIsCarriedOneMoreIsRefused() {
        String longest = "a".repeat(MAX_ARG_STRLEN - 1);
        Bundle b = bundle("b").args("sh", "-c", "echo len=${#1}", "sh", longest);
        Jrunc.Result r = run(b, newId("arg")).assertOk();
        assertEquals("131071", facts(r.out()).get("len"));
        b.args("sh", "-c", "echo len=${#1}", "sh", longest + "a");
        refusedCreate(b, "$.process.args[4]", "131071 bytes", "MAX_ARG_STRLEN");
    }

    /**
     * linux is optional (config.md), and runc runs such a config: no namespace of its own, so the
     * process shares the host's, and what create mounted under the rootfs goes with the container.
     */
    @Test
    void aConfigWithoutLinuxRunsInTheHostsNamespacesAndLeavesNothing() throws Exception {
        Bundle b = bundle("b").args("sh", "-c", "echo pidns=$(readlink /proc/self/ns/pid)");
        b.config.remove("linux");
        b.config.remove("hostname"); // a hostname needs a UTS namespace of its own
        String id = newId("nolinux");
        Jrunc.Result r = run(b, id).assertOk();
        assertEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(), facts(r.out()).get("pidns"));
        assertNothingLeftBehind(id);
    }

    @Test
    void aHostnameOfHostNameMaxIsSetOneMoreIsRefused() {
        String longest = "h".repeat(64);
        Bundle b = bundle("b").hostname(longest).args("hostname");
        assertEquals(longest, run(b, newId("host")).assertOk().out().trim());
        b.hostname(longest + "h");
        refusedCreate(b, "$.hostname", "64 bytes", "HOST_NAME_MAX");
    }

    /**
     * The total of argv and envp. A config over the limit is refused with the figures ("need N
     * bytes; execve(2) grants L"); shrinking by the difference until it is accepted lands exactly
     * on the limit (create checks the program's own execve first, the init then the exact one of
     * the runtime's helper, which carries a few more bytes). There the container sees every byte;
     * one byte more is refused.
     */
    @Test
    void argumentsAndEnvironmentUpToExecvesLimit() {
        Bundle b = bundle("b").args("sh", "-c", "echo fill=${#FILL}; echo last=${#V19}");
        for (int i = 0; i < 20; i++) b.env("V" + i + "=" + "v".repeat(100_000));
        int fill = 100_000;
        b.env("FILL=" + "f".repeat(fill));
        Pattern figures = Pattern.compile("need (\\d+) bytes; execve\\(2\\) grants (\\d+)");
        long grant = -1;
        Jrunc.Result r = null;
        for (int round = 0; round < 4; round++) {
            setFill(b, fill);
            r = run(b, newId("full"));
            if (r.exit() == 0) break;
            assertContains(r.err(), "$.process.env");
            Matcher m = figures.matcher(r.err());
            assertTrue(m.find(), r.err());
            grant = Long.parseLong(m.group(2));
            fill -= (int) (Long.parseLong(m.group(1)) - grant);
        }
        assertTrue(grant > 0, "the first try was over the limit");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(Integer.toString(fill), facts(r.out()).get("fill"), "the whole environment arrived");
        assertEquals("100000", facts(r.out()).get("last"));
        setFill(b, fill + 1);
        refusedCreate(b, "$.process.env", "RLIMIT_STACK", "need " + (grant + 1) + " bytes; execve(2) grants " + grant);
    }

    private static void setFill(Bundle b, int length) {
        ArrayNode env = (ArrayNode) b.process().get("env");
        env.remove(env.size() - 1);
        env.add("FILL=" + "f".repeat(length));
    }

    @Test
    void aRepeatedEnvNameKeepsItsLastValue() {
        Bundle b = bundle("b").env("DUP=first", "OTHER=x", "DUP=last").args("env");
        Jrunc.Result r = run(b, newId("env")).assertOk();
        assertEquals(List.of("DUP=last"), r.out().lines().filter(l -> l.startsWith("DUP=")).toList());
        assertContains(r.out(), "OTHER=x");
    }

    @Test
    void theLargestUidRuns() {
        Bundle b = bundle("b").args("sh", "-c", "echo uid=$(id -u); echo gid=$(id -g)");
        Bundle.obj(b.process(), "user").put("uid", 2147483647L).put("gid", 2147483647L);
        Jrunc.Result r = run(b, newId("uid")).assertOk();
        assertEquals("2147483647", facts(r.out()).get("uid"));
        assertEquals("2147483647", facts(r.out()).get("gid"));
    }

    /** root.path through a symlink: resolved once at create, built there, recorded in the state. */
    @Test
    void aSymlinkedRootIsResolvedOnceAndRecorded() throws Exception {
        Bundle b = bundle("b").args("cat", "/marker");
        Files.writeString(b.rootfs.resolve("marker"), "in the real rootfs\n");
        Files.createSymbolicLink(b.dir.resolve("current"), Path.of("rootfs"));
        b.root().put("path", "current");
        String id = newId("link");
        Jrunc.Result created = create(b, id).assertOk();
        JsonNode saved = Bundle.JSON.readTree(jrunc.root().resolve(id).resolve("state.json").toFile());
        assertEquals(b.rootfs.toRealPath().toString(), saved.get("rootfs").asText());
        // Repointing the link now changes nothing for this container.
        Files.delete(b.dir.resolve("current"));
        Files.createSymbolicLink(b.dir.resolve("current"), Path.of("/"));
        jrunc.run("start", id).assertOk();
        assertContains(waitForOutput(created, "in the real rootfs"), "in the real rootfs");
        jrunc.run("delete", "--force", id).assertOk();
        assertNothingLeftBehind(id);
    }

    @Test
    void dotDotAfterASymlinkInRootPathIsTakenInTheLinksTarget() {
        Bundle b = bundle("b").args("cat", "/marker");
        try {
            Files.writeString(b.rootfs.resolve("marker"), "found\n");
            Files.createSymbolicLink(b.dir.resolve("bin-link"), Path.of("rootfs/bin"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        // As the kernel resolves it: bin-link/.. is rootfs, not (lexically) the bundle directory.
        b.root().put("path", "bin-link/..");
        assertEquals("found", run(b, newId("dotdot")).assertOk().out().trim());
    }

    /**
     * A capability outside the runtime's bounding set is skipped with a warning naming it, and
     * the rest are granted. jrunc runs from a thread whose bounding set lacks CAP_SYS_RESOURCE
     * (the bounding set is per-thread and inherited by the process the thread starts).
     */
    @Test
    void aCapabilityTheRuntimeLacksIsSkippedWithAWarning() throws Exception {
        Bundle b = bundle("b").args("grep", "^Cap", "/proc/self/status");
        ObjectNode caps = b.process().putObject("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            caps.putArray(set).add("CAP_KILL").add("CAP_SYS_RESOURCE");
        }
        b.save();
        String id = newId("caps");
        AtomicReference<Object> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                int capSysResource = 24;
                Syscalls.linux().prctl(24 /* PR_CAPBSET_DROP */, capSysResource, 0, 0, 0);
                result.set(jrunc.run("run", "--bundle", b.dir.toString(), id));
            } catch (Throwable e) {
                result.set(e);
            }
        });
        t.join();
        if (result.get() instanceof Throwable e) throw new AssertionError(e);
        Jrunc.Result r = ((Jrunc.Result) result.get()).assertOk();
        assertContains(r.err(), "warning");
        assertContains(r.err(), "CAP_SYS_RESOURCE");
        java.util.Map<String, String> status = new java.util.HashMap<>();
        for (String line : r.out().split("\n")) {
            String[] kv = line.split(":\\s*");
            if (kv.length == 2) status.put(kv[0], kv[1]);
        }
        long kill = 1L << 5;
        assertEquals(kill, Long.parseLong(status.get("CapBnd"), 16), r.out());
        assertEquals(kill, Long.parseLong(status.get("CapEff"), 16), r.out());
        assertEquals(kill, Long.parseLong(status.get("CapPrm"), 16), r.out());
    }

    /** A profile that lists architectures an x86_64 host cannot run still loads, and still filters. */
    @Test
    void seccompArchitecturesThisHostCannotRunAreIgnored() {
        Bundle b = bundle("b").args("sh", "-c", "mkdir /tmp/denied; echo rc=$?");
        ObjectNode seccomp = Bundle.obj(b.linux(), "seccomp").put("defaultAction", "SCMP_ACT_ALLOW");
        ArrayNode arches = seccomp.putArray("architectures");
        for (String a : List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64",
                "SCMP_ARCH_ARM", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X")) {
            arches.add(a);
        }
        ObjectNode rule = seccomp.putArray("syscalls").addObject().put("action", "SCMP_ACT_ERRNO").put("errnoRet", 1);
        rule.putArray("names").add("mkdir").add("mkdirat");
        Jrunc.Result r = run(b, newId("arch")).assertOk();
        assertEquals("1", facts(r.out()).get("rc"));
        assertContains(r.all(), "Operation not permitted");
    }
}
