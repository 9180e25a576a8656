package dev.jrunc.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules config.json must meet before anything is made: ranges, NUL bytes, the kernel's size
 * limits, env syntax, SemVer, device access, closID, and the one resolution of root.path. Each
 * refusal names its JSON path.
 */
class ValidationRulesTest {
    @TempDir Path bundle;

    private static final String MINIMAL = """
            {"ociVersion":"1.2.0","root":{"path":"rootfs"},
             "process":{"cwd":"/","args":["sh"],"env":["PATH=/bin"],"user":{"uid":0,"gid":0}},
             "linux":{"namespaces":[{"type":"pid"},{"type":"mount"},{"type":"uts"}]}}""";

    private ObjectNode config() throws IOException {
        return (ObjectNode) SpecJson.mapper().readTree(MINIMAL);
    }

    private Spec load(Consumer<ObjectNode> edit) throws IOException {
        ObjectNode c = config();
        edit.accept(c);
        Files.createDirectories(bundle.resolve("rootfs"));
        Files.writeString(bundle.resolve("config.json"), SpecJson.mapper().writeValueAsString(c));
        return ConfigLoader.load(bundle, w -> {});
    }

    private ConfigException refused(Consumer<ObjectNode> edit) {
        return assertThrows(ConfigException.class, () -> load(edit));
    }

    private static ObjectNode process(ObjectNode c) {
        return (ObjectNode) c.get("process");
    }

    private static ObjectNode user(ObjectNode c) {
        return (ObjectNode) process(c).get("user");
    }

    private static ObjectNode linux(ObjectNode c) {
        return (ObjectNode) c.get("linux");
    }

    private static void userns(ObjectNode c, long containerId, long hostId, long size) {
        ((ArrayNode) linux(c).get("namespaces")).addObject().put("type", "user");
        for (String f : List.of("uidMappings", "gidMappings")) {
            linux(c).putArray(f).addObject().put("containerID", containerId).put("hostID", hostId).put("size", size);
        }
    }

    // ---- uid and gid -----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(longs = {4294967295L, 2147483648L})
    void uidOutsideTheRangeIsRefused(long uid) {
        ConfigException e = refused(c -> user(c).put("uid", uid));
        assertEquals("$.process.user.uid", e.path());
        assertTrue(e.getMessage().contains(uid + " is out of range"), e.getMessage());
        assertTrue(e.getMessage().contains("0..2147483647"), e.getMessage());
        assertEquals("$.process.user.gid", refused(c -> user(c).put("gid", uid)).path());
        assertEquals("$.process.user.additionalGids[1]",
                refused(c -> user(c).putArray("additionalGids").add(5).add(uid)).path());
    }

    @Test
    void largestIdIsAccepted() throws IOException {
        Spec s = load(c -> user(c).put("uid", 2147483647L).put("gid", 2147483647L)
                .putArray("additionalGids").add(2147483647L));
        assertEquals(2147483647L, s.process().user().uid());
    }

    @Test
    void idMappingsFollowTheKernelsRules() throws IOException {
        assertEquals("$.linux.uidMappings[0].size", refused(c -> userns(c, 0, 1000, 0)).path());
        ConfigException wrap = refused(c -> userns(c, 4294967295L, 1000, 1));
        assertEquals("$.linux.uidMappings[0]", wrap.path());
        assertTrue(wrap.getMessage().contains("containerID + size = 4294967296"), wrap.getMessage());
        ConfigException hostWrap = refused(c -> userns(c, 0, 4294967000L, 1000));
        assertEquals("$.linux.uidMappings[0]", hostWrap.path());
        assertTrue(hostWrap.getMessage().contains("hostID + size"), hostWrap.getMessage());
        ConfigException overlap = refused(c -> {
            userns(c, 0, 100000, 65536);
            ((ArrayNode) linux(c).get("gidMappings")).addObject().put("containerID", 65535).put("hostID", 300000)
                    .put("size", 10);
        });
        assertEquals("$.linux.gidMappings[1]", overlap.path());
        assertTrue(overlap.getMessage().contains("overlaps that of $.linux.gidMappings[0]"), overlap.getMessage());
        ConfigException tooMany = refused(c -> {
            userns(c, 0, 100000, 1);
            ArrayNode uids = (ArrayNode) linux(c).get("uidMappings");
            for (int i = 1; i <= 340; i++) uids.addObject().put("containerID", i).put("hostID", 100000 + i).put("size", 1);
        });
        assertEquals("$.linux.uidMappings", tooMany.path());
        // the initial namespace's own map: the whole range, as /proc/1/uid_map shows it
        load(c -> userns(c, 0, 0, 4294967295L));
    }

    @Test
    void processUserMustBeMappedInANewUserNamespace() {
        ConfigException e = refused(c -> {
            userns(c, 0, 100000, 1000);
            user(c).put("uid", 1000);
        });
        assertEquals("$.process.user.uid", e.path());
        assertEquals("$.process.user.additionalGids[0]", refused(c -> {
            userns(c, 0, 100000, 1000);
            user(c).putArray("additionalGids").add(5000);
        }).path());
    }

    @Test
    void mountIdMappingsAreCheckedAndComeInPairs() {
        ConfigException half = refused(c -> c.putArray("mounts").addObject().put("destination", "/data")
                .put("type", "bind").put("source", "/tmp").putArray("uidMappings").addObject()
                .put("containerID", 0).put("hostID", 1000).put("size", 1));
        assertEquals("$.mounts[0].gidMappings", half.path());
        ConfigException zero = refused(c -> {
            ObjectNode m = c.putArray("mounts").addObject().put("destination", "/data").put("source", "/tmp");
            m.putArray("uidMappings").addObject().put("containerID", 0).put("hostID", 1000).put("size", 1);
            m.putArray("gidMappings").addObject().put("containerID", 0).put("hostID", 1000).put("size", 0);
        });
        assertEquals("$.mounts[0].gidMappings[0].size", zero.path());
    }

    // ---- NUL bytes -------------------------------------------------------------------------------

    @Test
    void aNulByteAnywhereJruncReadsIsRefusedByPath() {
        String nul = "a\u0000b";
        assertEquals("$.process.args[1]", refused(c -> process(c).putArray("args").add("sh").add(nul)).path());
        assertEquals("$.process.env[1]", refused(c -> ((ArrayNode) process(c).get("env")).add("X=" + nul)).path());
        assertEquals("$.process.cwd", refused(c -> process(c).put("cwd", "/" + nul)).path());
        assertEquals("$.root.path", refused(c -> ((ObjectNode) c.get("root")).put("path", nul)).path());
        assertEquals("$.mounts[0].source", refused(c -> c.putArray("mounts").addObject()
                .put("destination", "/x").put("source", nul)).path());
        assertEquals("$.mounts[0].destination", refused(c -> c.putArray("mounts").addObject()
                .put("destination", "/" + nul)).path());
        assertEquals("$.hooks.prestart[0].path", refused(c -> c.putObject("hooks").putArray("prestart")
                .addObject().put("path", "/bin/" + nul)).path());
        assertEquals("$.linux.devices[0].path", refused(c -> linux(c).putArray("devices").addObject()
                .put("path", "/dev/" + nul).put("type", "c").put("major", 1).put("minor", 3)).path());
        assertEquals("$.linux.maskedPaths[0]", refused(c -> linux(c).putArray("maskedPaths").add(nul)).path());
        assertEquals("$.hostname", refused(c -> c.put("hostname", nul)).path());
        ConfigException key = refused(c -> linux(c).putObject("sysctl").put("net." + nul, "1"));
        assertEquals("$.linux.sysctl", key.path());
        assertTrue(key.getMessage().contains("the key \"net.a\\u0000b\" contains a NUL byte"), key.getMessage());
        assertEquals("$.linux.sysctl[\"net.ipv4.ip_forward\"]",
                refused(c -> linux(c).putObject("sysctl").put("net.ipv4.ip_forward", nul)).path());
    }

    @Test
    void annotationsAndUnknownPropertiesMayHoldNul() throws IOException {
        Spec s = load(c -> {
            c.putObject("annotations").put("org.example/blob", "a\u0000b");
            process(c).put("x-vendor-field", "c\u0000d");
        });
        assertEquals("a\u0000b", s.annotations().get("org.example/blob"));
    }

    @Test
    void nulInAnExecProcessDocument() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parseProcess(
                "{\"cwd\":\"/\",\"args\":[\"ls\",\"a\\u0000b\"],\"user\":{\"uid\":0,\"gid\":0}}".getBytes(), "process.json"));
        assertEquals("$.args[1]", e.path());
        assertEquals("process.json", e.document());
    }

    // ---- env -------------------------------------------------------------------------------------

    @Test
    void envEntriesNeedANameAndAnEqualsSign() {
        ConfigException noEq = refused(c -> ((ArrayNode) process(c).get("env")).add("NOEQ"));
        assertEquals("$.process.env[1]", noEq.path());
        assertTrue(noEq.getMessage().contains("\"NOEQ\" is not in the form NAME=value"), noEq.getMessage());
        ConfigException empty = refused(c -> ((ArrayNode) process(c).get("env")).add("=x"));
        assertEquals("$.process.env[1]", empty.path());
        assertTrue(empty.getMessage().contains("empty variable name"), empty.getMessage());
    }

    @Test
    void repeatedNamesKeepTheirLastValueAsRuncDoes() throws IOException {
        Spec s = load(c -> process(c).putArray("env").add("A=1").add("B=2").add("A=3").add("C=").add("B=4"));
        assertEquals(List.of("A=3", "C=", "B=4"), s.process().effectiveEnv());
        assertEquals(List.of("A=1", "B=2", "A=3", "C=", "B=4"), s.process().env(), "the config itself is kept");
        assertEquals(List.of("X=1"), SemanticChecks.effectiveEnv(List.of("X=1")));
        assertEquals(List.of(), SemanticChecks.effectiveEnv(null));
    }

    // ---- the kernel's size limits ---------------------------------------------------------------

    @Test
    void oneExecStringIsAtMostMaxArgStrlen() throws IOException {
        String longest = "x".repeat(KernelLimits.MAX_ARG_STRLEN - 1);
        load(c -> process(c).putArray("args").add("sh").add(longest));
        ConfigException arg = refused(c -> process(c).putArray("args").add("sh").add(longest + "x"));
        assertEquals("$.process.args[1]", arg.path());
        assertTrue(arg.getMessage().contains("is 131072 bytes long; execve(2) takes at most 131071 bytes"),
                arg.getMessage());
        // counted in UTF-8 bytes, not characters
        assertEquals("$.process.args[1]", refused(c -> process(c).putArray("args").add("sh")
                .add("é".repeat(KernelLimits.MAX_ARG_STRLEN / 2))).path());
        load(c -> ((ArrayNode) process(c).get("env")).add("X=" + "y".repeat(KernelLimits.MAX_ARG_STRLEN - 3)));
        assertEquals("$.process.env[1]", refused(c -> ((ArrayNode) process(c).get("env"))
                .add("X=" + "y".repeat(KernelLimits.MAX_ARG_STRLEN - 2))).path());
        assertEquals("$.hooks.poststop[0].args[0]", refused(c -> c.putObject("hooks").putArray("poststop")
                .addObject().put("path", "/bin/true").putArray("args").add(longest + "x")).path());
    }

    @Test
    void hostnameAndDomainnameAreAtMostHostNameMax() throws IOException {
        load(c -> c.put("hostname", "h".repeat(64)).put("domainname", "d".repeat(64)));
        ConfigException h = refused(c -> c.put("hostname", "h".repeat(65)));
        assertEquals("$.hostname", h.path());
        assertTrue(h.getMessage().contains("at most 64 bytes for a hostname (HOST_NAME_MAX)"), h.getMessage());
        assertEquals("$.domainname", refused(c -> c.put("domainname", "d".repeat(10_000_000))).path());
    }

    @Test
    void aMountTypeIsAtMostPathMax() throws IOException {
        load(c -> c.putArray("mounts").addObject().put("destination", "/t").put("type", "t".repeat(4095)));
        ConfigException e = refused(c -> c.putArray("mounts").addObject().put("destination", "/t")
                .put("type", "t".repeat(1 << 20)));
        assertEquals("$.mounts[0].type", e.path());
        assertTrue(e.getMessage().contains("is 1048576 bytes long; the kernel takes a filesystem type of at most 4095"),
                e.getMessage());
    }

    @Test
    void pathsAreAtMostPathMax() {
        ConfigException e = refused(c -> process(c).put("cwd", "/" + "a".repeat(4095)));
        assertEquals("$.process.cwd", e.path());
        assertTrue(e.getMessage().contains("at most 4095 bytes (PATH_MAX)"), e.getMessage());
        assertEquals("$.root.path", refused(c -> ((ObjectNode) c.get("root")).put("path", "r".repeat(5000))).path());
        assertEquals("$.mounts[0].destination", refused(c -> c.putArray("mounts").addObject()
                .put("destination", "/" + "d".repeat(10_000))).path());
        assertEquals("$.linux.seccomp.listenerPath", refused(c -> linux(c).putObject("seccomp")
                .put("defaultAction", "SCMP_ACT_ALLOW").put("listenerPath", "/run/" + "s".repeat(103))).path());
    }

    @Test
    void aPathComponentIsAtMostNameMax() throws IOException {
        load(c -> process(c).put("cwd", "/" + "a".repeat(255) + "/b"));
        ConfigException e = refused(c -> process(c).put("cwd", "/" + "a".repeat(256) + "/b"));
        assertEquals("$.process.cwd", e.path());
        assertTrue(e.getMessage().contains("a component of 256 bytes; a file name takes at most 255 bytes (NAME_MAX)"),
                e.getMessage());
        assertEquals("$.mounts[0].destination", refused(c -> c.putArray("mounts").addObject()
                .put("destination", "/mnt/" + "é".repeat(128))).path());
    }

    @Test
    void deviceNumbersFitMknod() throws IOException {
        load(c -> linux(c).putArray("devices").addObject().put("path", "/dev/x").put("type", "c")
                .put("major", 4095).put("minor", 1048575));
        assertEquals("$.linux.devices[0].major", refused(c -> linux(c).putArray("devices").addObject()
                .put("path", "/dev/x").put("type", "c").put("major", 4096).put("minor", 0)).path());
        assertEquals("$.linux.devices[0].minor", refused(c -> linux(c).putArray("devices").addObject()
                .put("path", "/dev/x").put("type", "b").put("major", 8).put("minor", -1)).path());
    }

    @Test
    void execSpaceFollowsTheStackLimit() {
        assertEquals(2 * 1024 * 1024 - 16, KernelLimits.execStringSpace(8 << 20, 1, 1));
        assertEquals(6 * 1024 * 1024 - 16, KernelLimits.execStringSpace(-1, 1, 1), "unlimited: 3/4 of _STK_LIM");
        assertEquals(6 * 1024 * 1024 - 16, KernelLimits.execStringSpace(64L << 20, 1, 1));
        assertEquals(128 * 1024 - 16, KernelLimits.execStringSpace(100_000, 1, 1), "ARG_MAX at least");
        assertEquals(128 * 1024 - 8, KernelLimits.execStringSpace(0, 0, 0), "argc counts as at least 1");
    }

    @Test
    void execSpaceCheckIsExactAndNamesTheLargerField() {
        List<String> args = List.of("prog");
        long stack = 1 << 20; // a quarter is 256 KiB
        long space = KernelLimits.execStringSpace(stack, 1, 2);
        String fits = "E=" + "v".repeat((int) (space - 5 - 5 - 4 - 3)); // file "prog", argv "prog", "A=1", "E=..."
        List<String> env = List.of("A=1", fits);
        SemanticChecks.checkExecSpace("config.json", "$.process", args, env, "prog", args, env, stack);
        List<String> over = List.of("A=1", fits + "v");
        ConfigException e = assertThrows(ConfigException.class, () ->
                SemanticChecks.checkExecSpace("config.json", "$.process", args, over, "prog", args, over, stack));
        assertEquals("$.process.env", e.path());
        assertTrue(e.getMessage().contains("need " + (space + 1) + " bytes; execve(2) grants " + space),
                e.getMessage());
        assertTrue(e.getMessage().contains("soft RLIMIT_STACK 1048576"), e.getMessage());
    }

    // ---- devices, closID, ociVersion ---------------------------------------------------------

    @Test
    void deviceAccessMustNotBeEmpty() throws IOException {
        load(c -> linux(c).putObject("resources").putArray("devices").addObject().put("allow", false));
        ConfigException e = refused(c -> linux(c).putObject("resources").putArray("devices").addObject()
                .put("allow", false).put("access", ""));
        assertEquals("$.linux.resources.devices[0].access", e.path());
        ConfigException update = assertThrows(ConfigException.class, () -> ConfigLoader.parseResources(
                "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},{\"allow\":true,\"access\":\"\"}]}".getBytes(),
                "resources.json"));
        assertEquals("$.devices[1].access", update.path());
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "..", "a/b", "/x", "../escape"})
    void closIdThatIsAPathIsRefused(String closId) {
        ConfigException e = refused(c -> linux(c).putObject("intelRdt").put("closID", closId));
        assertEquals("$.linux.intelRdt.closID", e.path());
    }

    @ParameterizedTest
    @ValueSource(strings = {"clos-1", "/", "..x"})
    void closIdNamesAreAccepted(String closId) throws IOException {
        load(c -> linux(c).putObject("intelRdt").put("closID", closId));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0.0", "1.0.2-dev", "1.2.0+build.5", "0.5.0-rc.1+x", "10.20.30"})
    void semverVersionsAreAccepted(String v) throws IOException {
        load(c -> c.put("ociVersion", v));
    }

    @ParameterizedTest
    @ValueSource(strings = {"banana", "1.0", "1", "01.0.0", "1.0.0-", "1.0.0+", "v1.0.0", " 1.0.0", "1.0.0-01"})
    void nonSemverVersionsAreRefused(String v) {
        ConfigException e = refused(c -> c.put("ociVersion", v));
        assertEquals("$.ociVersion", e.path());
        assertTrue(e.getMessage().contains("is not a SemVer 2.0.0 version"), e.getMessage());
    }

    // ---- root.path ---------------------------------------------------------------------------

    @Test
    void aSymlinkedRootIsResolvedOnce() throws IOException {
        Path real = Files.createDirectories(bundle.resolve("images/a/rootfs"));
        Files.createSymbolicLink(bundle.resolve("current"), Path.of("images/a/rootfs"));
        ObjectNode c = config();
        ((ObjectNode) c.get("root")).put("path", "current");
        Files.writeString(bundle.resolve("config.json"), SpecJson.mapper().writeValueAsString(c));
        ConfigLoader.Loaded loaded = ConfigLoader.loadBundle(bundle, w -> {});
        assertEquals(real.toRealPath(), loaded.rootfs());
    }

    @Test
    void dotDotAfterASymlinkIsTakenInTheLinksTarget() throws IOException {
        // the kernel resolves "link/.." in link's target; a lexical normalisation would give the bundle
        Path real = Files.createDirectories(bundle.resolve("images/a/rootfs"));
        Files.createDirectories(real.resolve("bin"));
        Files.createSymbolicLink(bundle.resolve("bin-link"), Path.of("images/a/rootfs/bin"));
        ObjectNode c = config();
        ((ObjectNode) c.get("root")).put("path", "bin-link/..");
        Files.writeString(bundle.resolve("config.json"), SpecJson.mapper().writeValueAsString(c));
        assertEquals(real.toRealPath(), ConfigLoader.loadBundle(bundle, w -> {}).rootfs());
    }

    @Test
    void aRootSymlinkToAFileOrNowhereIsRefused() throws IOException {
        Files.writeString(bundle.resolve("file"), "");
        Files.createSymbolicLink(bundle.resolve("to-file"), Path.of("file"));
        Files.createSymbolicLink(bundle.resolve("dangling"), Path.of("nowhere"));
        for (String p : List.of("to-file", "dangling")) {
            ObjectNode c = config();
            ((ObjectNode) c.get("root")).put("path", p);
            Files.writeString(bundle.resolve("config.json"), SpecJson.mapper().writeValueAsString(c));
            ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadBundle(bundle, w -> {}));
            assertEquals("$.root.path", e.path());
        }
    }
}
