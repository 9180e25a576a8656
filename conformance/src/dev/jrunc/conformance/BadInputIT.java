package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** A bad input gets exit status 1, one message naming what is wrong, and leaves nothing behind. */
class BadInputIT extends ContainerTest {

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("broken JSON", (Consumer<Bundle>) b -> b.saveRaw("{\"ociVersion\": \"1.0.2\", \"process\": {"),
                        List.of("config.json")),
                Arguments.of("process.args is a string", (Consumer<Bundle>) b -> b.process().put("args", "sh -c true"),
                        List.of("config.json", "process.args")),
                Arguments.of("root.path does not exist", (Consumer<Bundle>) b -> b.root().put("path", "no-such-rootfs"),
                        List.of("root.path", "no-such-rootfs")),
                Arguments.of("process.args is empty", (Consumer<Bundle>) b -> b.process().putArray("args"),
                        List.of("process.args")),
                Arguments.of("executable not in the container", (Consumer<Bundle>) b -> b.args("nosuch"),
                        List.of("exec: \"nosuch\": executable file not found in $PATH")),
                // (uid_t) -1: setresuid(2) would leave the process root
                bad("uid 4294967295", b -> Bundle.obj(b.process(), "user").put("uid", 4294967295L),
                        "$.process.user.uid", "0..2147483647"),
                bad("gid 2147483648", b -> Bundle.obj(b.process(), "user").put("gid", 2147483648L),
                        "$.process.user.gid", "0..2147483647"),
                bad("additional gid -1", b -> Bundle.obj(b.process(), "user").putArray("additionalGids").add(4294967295L),
                        "$.process.user.additionalGids[0]"),
                bad("gid 4294967295", b -> Bundle.obj(b.process(), "user").put("gid", 4294967295L),
                        "$.process.user.gid", "0..2147483647"),
                bad("gid mappings overlap", b -> {
                    b.namespace("user", null).idMappings(0, 100000, 65536);
                    Bundle.arr(b.linux(), "gidMappings").addObject().put("containerID", 1000).put("hostID", 300000)
                            .put("size", 10);
                }, "$.linux.gidMappings[1]", "containerID range overlaps that of $.linux.gidMappings[0]"),
                bad("empty uid mapping", b -> {
                    b.namespace("user", null).idMappings(0, 100000, 65536);
                    ((com.fasterxml.jackson.databind.node.ObjectNode) b.linux().get("uidMappings").get(0)).put("size", 0);
                }, "$.linux.uidMappings[0].size", "at least 1"),
                bad("uid mapping wraps", b -> b.namespace("user", null).idMappings(0, 4294967000L, 1000),
                        "$.linux.uidMappings[0]", "hostID + size"),
                bad("NUL in an argument", b -> b.args("echo", "a\u0000b"), "$.process.args[1]", "NUL"),
                bad("NUL in an env entry", b -> b.env("A=b\u0000c"), "$.process.env[2]", "NUL"),
                bad("NUL in root.path", b -> b.root().put("path", "root\u0000fs"), "$.root.path", "NUL"),
                bad("NUL in cwd", b -> b.process().put("cwd", "/tmp\u0000x"), "$.process.cwd", "NUL"),
                bad("NUL in a mount destination", b -> b.mount("/mnt\u0000x", "tmpfs", "tmpfs"),
                        "].destination", "NUL"),
                bad("NUL in a mount source", b -> b.mount("/mnt", "bind", "/tmp\u0000x", "rbind"),
                        "].source", "NUL"),
                bad("NUL in a hook path", b -> Bundle.arr(Bundle.obj(b.config, "hooks"), "prestart").addObject()
                        .put("path", "/bin/true\u0000x"), "$.hooks.prestart[0].path", "NUL"),
                bad("NUL in a device path", b -> Bundle.arr(b.linux(), "devices").addObject().put("path", "/dev/a\u0000b")
                        .put("type", "c").put("major", 1).put("minor", 3), "$.linux.devices[0].path", "NUL"),
                bad("env entry without =", b -> b.env("NOEQ"), "$.process.env[2]", "NAME=value"),
                bad("env entry without a name", b -> b.env("=x"), "$.process.env[2]", "empty variable name"),
                bad("10 MB argument", b -> b.args("echo", "x".repeat(10_000_000)),
                        "$.process.args[1]", "131071", "MAX_ARG_STRLEN"),
                bad("10 MB env entry", b -> b.env("BIG=" + "x".repeat(10_000_000)),
                        "$.process.env[2]", "131071", "MAX_ARG_STRLEN"),
                bad("10 MB hostname", b -> b.hostname("h".repeat(10_000_000)), "$.hostname", "64", "HOST_NAME_MAX"),
                bad("10 MB domainname", b -> b.config.put("domainname", "d".repeat(10_000_000)),
                        "$.domainname", "HOST_NAME_MAX"),
                bad("3 MB of environment", b -> {
                    for (int i = 0; i < 30; i++) b.env("V" + i + "=" + "x".repeat(100_000));
                }, "$.process.env", "RLIMIT_STACK"),
                bad("a filesystem the kernel does not have", b -> b.mount("/mnt", "jrunc-nosuchfs", "none"),
                        "$.mounts[", "(type jrunc-nosuchfs)", "ENODEV"),
                bad("a sysctl value the kernel refuses", b -> Bundle.obj(b.linux(), "sysctl")
                        .put("net.ipv4.ip_forward", "x"), "$.linux.sysctl[\"net.ipv4.ip_forward\"]", "Invalid argument"),
                bad("1 MB mount type", b -> ((ObjectNode) b.config.get("mounts").get(0))
                        .put("type", "t".repeat(1 << 20)), "$.mounts[0].type", "PATH_MAX"),
                bad("empty device access", b -> Bundle.arr(Bundle.obj(b.linux(), "resources"), "devices").addObject()
                        .put("allow", false).put("access", ""), "$.linux.resources.devices[1].access"),
                bad("closID ..", b -> Bundle.obj(b.linux(), "intelRdt").put("closID", ".."), "$.linux.intelRdt.closID"),
                bad("closID with a /", b -> Bundle.obj(b.linux(), "intelRdt").put("closID", "../../tasks"),
                        "$.linux.intelRdt.closID"),
                bad("a namespace path that is no namespace", b -> b.namespace("network", "/etc/hostname"),
                        "$.linux.namespaces[", "].path", "/etc/hostname is not a namespace"),
                bad("a namespace path of another type", b -> b.namespace("uts", "/proc/self/ns/ipc"),
                        "$.linux.namespaces[", "].path", "is a namespace of type ipc, not uts"),
                bad("a scheduler the kernel refuses", b -> b.process().putObject("scheduler").put("policy", "SCHED_DEADLINE")
                        .put("runtime", 10).put("deadline", 5).put("period", 20), "process.scheduler", "sched_setattr",
                        "Invalid argument"),
                bad("ociVersion not SemVer", b -> b.config.put("ociVersion", "1.0"), "$.ociVersion", "SemVer 2.0.0"),
                bad("unknown capability", b -> Bundle.arr(Bundle.obj(b.process(), "capabilities"), "bounding")
                        .add("CAP_FLY"), "$.process.capabilities.bounding[3]", "unknown capability \"CAP_FLY\""),
                bad("unknown seccomp architecture", b -> Bundle.obj(b.linux(), "seccomp")
                        .put("defaultAction", "SCMP_ACT_ALLOW").putArray("architectures").add("SCMP_ARCH_X86_64")
                        .add("SCMP_ARCH_Z80"), "$.linux.seccomp.architectures[1]", "unknown architecture"));
    }

    private static Arguments bad(String what, Consumer<Bundle> breakIt, String... mentions) {
        return Arguments.of(what, breakIt, List.of(mentions));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void badConfigIsRefused(String what, Consumer<Bundle> breakIt, List<String> mentions) {
        Bundle b = bundle("b");
        b.save();
        breakIt.accept(b);
        if (!what.equals("broken JSON")) b.save();
        String id = newId("bad");
        Jrunc.Result r = jrunc.run("create", "--bundle", b.dir.toString(), id).assertExit(1);
        for (String m : mentions) assertContains(r.err(), m);
        assertNotContains(r.err(), "\tat ");
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("jrunc: ") && !l.contains("warning")).count(),
                "one error line: " + r.err());
        assertNothingLeftBehind(id);
        assertEquals("", jrunc.run("list", "-q").assertOk().out(), "nothing listed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "a/b", "..", ".hidden"})
    void badContainerIdIsRefused(String id) {
        Bundle b = bundle("b").save();
        Jrunc.Result r = jrunc.run("create", "--bundle", b.dir.toString(), id).assertExit(1);
        assertContains(r.err(), "container id");
        assertContains(r.err(), id);
        assertFalse(Files.exists(jrunc.root().resolve("x")));
        assertFalse(Files.exists(tmp.resolve("x")));
        assertEquals("", jrunc.run("list", "-q").assertOk().out());
    }

    @Test
    void refusalsLeaveARunningContainerAlone() {
        Bundle b = bundle("b").args("sleep", "30");
        String id = newId("busy");
        java.nio.file.Path pidFile = tmp.resolve("busy.pid");
        run(b, id, "-d", "--pid-file", pidFile.toString()).assertOk();
        long pid = Long.parseLong(Jrunc.read(pidFile).trim());

        Jrunc.Result dup = create(b, id).assertExit(1);
        assertContains(dup.err(), "\"" + id + "\" already exists");

        Jrunc.Result sig = jrunc.run("kill", id, "SIGNOPE").assertExit(1);
        assertContains(sig.err(), "SIGNOPE");

        Jrunc.Result start = jrunc.run("start", id).assertExit(1);
        assertContains(start.err(), "running");

        Jrunc.Result del = jrunc.run("delete", id).assertExit(1);
        assertContains(del.err(), "not stopped");

        assertTrue(alive(pid) && !isZombie(pid), "the container survived every refusal");
        assertEquals("running", state(id).get("status").asText());
    }

    @Test
    void unknownContainer() {
        for (List<String> verb : List.of(List.of("state"), List.of("start"), List.of("kill"), List.of("delete"))) {
            var args = new java.util.ArrayList<>(verb);
            args.add("ghost");
            Jrunc.Result r = jrunc.runWith(Jrunc.DEFAULT_TIMEOUT, args).assertExit(1);
            assertContains(r.err(), "container \"ghost\" does not exist");
        }
    }
}
