package dev.jrunc.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
    @TempDir Path bundle;

    private static final String MINIMAL = """
            {"ociVersion":"1.2.0","root":{"path":"rootfs"},
             "process":{"cwd":"/","args":["sh"],"user":{"uid":0,"gid":0}},
             "linux":{"namespaces":[{"type":"pid"},{"type":"mount"}]}}""";

    private void write(String config) throws IOException {
        Files.writeString(bundle.resolve("config.json"), config);
    }

    private ConfigException refused(String config) throws IOException {
        Files.createDirectories(bundle.resolve("rootfs"));
        write(config);
        return assertThrows(ConfigException.class, () -> ConfigLoader.load(bundle));
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc-spec.json", "containerd-ctr-run.json", "containerd-ctr-run-seccomp.json", "podman-run.json"})
    void engineConfigsReadAndBind(String name) {
        Spec spec = ConfigLoader.read(Shared.engineConfig(name));
        assertNotNull(spec.process());
        assertTrue(spec.process().args().size() > 0);
        assertNotNull(spec.linux());
    }

    @ParameterizedTest
    @ValueSource(strings = {"runc-spec.json", "containerd-ctr-run.json", "containerd-ctr-run-seccomp.json"})
    void engineConfigsLoadFromABundle(String name) throws IOException {
        Files.copy(Shared.engineConfig(name), bundle.resolve("config.json"));
        Spec read = ConfigLoader.read(bundle.resolve("config.json"));
        Files.createDirectories(bundle.resolve(read.root().path()));
        List<String> warnings = new ArrayList<>();
        Spec spec = ConfigLoader.load(bundle, warnings::add);
        assertEquals(List.of(), warnings);
        assertEquals(bundle.resolve(read.root().path()).toRealPath(), ConfigLoader.resolveRootfs(bundle, spec));
    }

    @Test
    void podmanConfigLoadsWithItsNetnsSubstituted() throws IOException {
        String json = Files.readString(Shared.engineConfig("podman-run.json"));
        assertTrue(json.contains("/run/netns/EXAMPLE-created-by-podman"));
        Path netns = Files.createFile(bundle.resolve("netns-substitute"));
        Files.writeString(bundle.resolve("config.json"),
                json.replace("/run/netns/EXAMPLE-created-by-podman", netns.toString()));
        Spec read = ConfigLoader.read(bundle.resolve("config.json"));
        Path rootfs = Path.of(read.root().path());
        if (!rootfs.isAbsolute()) Files.createDirectories(bundle.resolve(rootfs));
        if (rootfs.isAbsolute() && !Files.isDirectory(rootfs)) {
            // podman hands an absolute overlay mount point; point it into the bundle instead
            Files.createDirectories(bundle.resolve("rootfs"));
            Files.writeString(bundle.resolve("config.json"), Files.readString(bundle.resolve("config.json"))
                    .replace("\"" + read.root().path() + "\"", "\"rootfs\""));
        }
        Spec spec = ConfigLoader.load(bundle, w -> {});
        assertEquals(netns.toString(), spec.linux().namespaces().stream()
                .filter(n -> n.type().equals("network")).findFirst().orElseThrow().path());
    }

    @Test
    void podmanConfigWithMissingNetnsIsRefused() throws IOException {
        Files.copy(Shared.engineConfig("podman-run.json"), bundle.resolve("config.json"));
        Spec spec = ConfigLoader.read(bundle.resolve("config.json"));
        Files.createDirectories(bundle.resolve("rootfs"));
        Spec local = new Spec(spec.ociVersion(), new Spec.Root("rootfs", null), spec.mounts(),
                spec.process(), spec.hostname(), spec.domainname(), spec.hooks(), spec.annotations(), spec.linux());
        ConfigException e = assertThrows(ConfigException.class, () -> SemanticChecks.check(local));
        assertTrue(e.path().matches("\\$\\.linux\\.namespaces\\[\\d+]\\.path"), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void minimalLoads() throws IOException {
        Files.createDirectories(bundle.resolve("rootfs"));
        write(MINIMAL);
        Spec spec = ConfigLoader.load(bundle);
        assertEquals(List.of("sh"), spec.process().args());
    }

    @Test
    void anAbsentLinuxIsAnEmptyOne() throws IOException {
        Files.createDirectories(bundle.resolve("rootfs"));
        write("""
                {"ociVersion":"1.2.0","root":{"path":"rootfs"},
                 "process":{"cwd":"/","args":["sh"],"user":{"uid":0,"gid":0}}}""");
        Spec spec = ConfigLoader.load(bundle);
        assertEquals(List.of(), spec.linux().namespacesOrEmpty());
        assertEquals(null, spec.linux().cgroupsPath());
    }

    @Test
    void missingConfigFile() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(bundle));
        assertTrue(e.getMessage().startsWith("config.json: $: cannot read"), e.getMessage());
    }

    @Test
    void brokenJsonNamesLineAndColumn() throws IOException {
        ConfigException e = refused("{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": {]\n}");
        assertTrue(e.getMessage().startsWith("config.json: $: invalid JSON at line 3, column"), e.getMessage());
    }

    @Test
    void emptyDocument() throws IOException {
        ConfigException e = refused("");
        assertTrue(e.getMessage().contains("invalid JSON"), e.getMessage());
    }

    @Test
    void argsOfWrongType() throws IOException {
        ConfigException e = refused(MINIMAL.replace("\"args\":[\"sh\"]", "\"args\":\"notalist\""));
        assertEquals("$.process.args", e.path());
        assertTrue(e.getMessage().startsWith("config.json: $.process.args: "), e.getMessage());
        assertTrue(e.getMessage().contains("array"), e.getMessage());
    }

    @Test
    void missingRootPath() throws IOException {
        ConfigException e = refused(MINIMAL.replace("\"root\":{\"path\":\"rootfs\"}", "\"root\":{}"));
        assertTrue(e.getMessage().contains("$.root"), e.getMessage());
        assertTrue(e.getMessage().contains("path"), e.getMessage());
    }

    @Test
    void missingRoot() throws IOException {
        ConfigException e = refused(MINIMAL.replace("\"root\":{\"path\":\"rootfs\"},", ""));
        assertEquals("$.root", e.path());
    }

    @Test
    void missingRootfsDirectory() throws IOException {
        write(MINIMAL);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(bundle));
        assertEquals("$.root.path", e.path());
        assertTrue(e.getMessage().contains(bundle.resolve("rootfs").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void rootfsIsAFile() throws IOException {
        Files.writeString(bundle.resolve("rootfs"), "");
        write(MINIMAL);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(bundle));
        assertEquals("$.root.path", e.path());
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void emptyArgs() throws IOException {
        ConfigException e = refused(MINIMAL.replace("[\"sh\"]", "[]"));
        assertEquals("config.json: $.process.args: must be a non-empty array (required to create a container)",
                e.getMessage());
    }

    @Test
    void processIsOptional() throws IOException {
        // config.md: process is REQUIRED at start, optional at create
        Files.writeString(bundle.resolve("config.json"), """
                {"ociVersion":"1.2.0","root":{"path":"rootfs"}}""");
        Files.createDirectories(bundle.resolve("rootfs"));
        assertEquals(null, ConfigLoader.load(bundle).process());
    }

    @Test
    void relativeCwd() throws IOException {
        ConfigException e = refused(MINIMAL.replace("\"cwd\":\"/\"", "\"cwd\":\"tmp\""));
        assertEquals("$.process.cwd", e.path());
    }

    @Test
    void missingOciVersion() throws IOException {
        ConfigException e = refused(MINIMAL.replace("\"ociVersion\":\"1.2.0\",", ""));
        assertTrue(e.getMessage().contains("ociVersion"), e.getMessage());
    }

    @Test
    void relativeMountDestinationIsAWarning() throws IOException {
        Files.createDirectories(bundle.resolve("rootfs"));
        write(MINIMAL.replace("\"linux\"", "\"mounts\":[{\"destination\":\"proc\",\"type\":\"proc\",\"source\":\"proc\"}],\"linux\""));
        List<String> warnings = new ArrayList<>();
        ConfigLoader.load(bundle, warnings::add);
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("$.mounts[0].destination"), warnings.getFirst());
    }

    @Test
    void unknownNamespaceType() throws IOException {
        ConfigException e = refused(MINIMAL.replace("{\"type\":\"mount\"}", "{\"type\":\"bogus\"}"));
        assertEquals("$.linux.namespaces[1].type", e.path());
    }

    @Test
    void duplicateNamespace() throws IOException {
        ConfigException e = refused(MINIMAL.replace("{\"type\":\"mount\"}", "{\"type\":\"pid\"}"));
        assertEquals("$.linux.namespaces[1].type", e.path());
        assertTrue(e.getMessage().contains("duplicate"), e.getMessage());
    }

    @Test
    void joinedNamespaceMustExist() throws IOException {
        ConfigException e = refused(MINIMAL.replace("{\"type\":\"mount\"}",
                "{\"type\":\"network\",\"path\":\"/nonexistent/jrunc/netns\"}"));
        assertEquals("$.linux.namespaces[1].path", e.path());
    }

    @Test
    void newUserNamespaceNeedsMappings() throws IOException {
        ConfigException e = refused(MINIMAL.replace("{\"type\":\"mount\"}", "{\"type\":\"user\"}"));
        assertEquals("$.linux.uidMappings", e.path());
        String withUid = MINIMAL.replace("{\"type\":\"mount\"}]", "{\"type\":\"user\"}],"
                + "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]");
        assertEquals("$.linux.gidMappings", refused(withUid).path());
        String both = withUid.replace("\"uidMappings\"",
                "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],\"uidMappings\"");
        write(both);
        ConfigLoader.load(bundle);
    }

    @Test
    void mappingsWithoutUserNamespace() throws IOException {
        ConfigException e = refused(MINIMAL.replace("{\"type\":\"mount\"}]",
                "{\"type\":\"mount\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]"));
        assertEquals("$.linux.uidMappings", e.path());
    }

    @Test
    void timeOffsetsNeedTimeNamespace() throws IOException {
        String offsets = "{\"type\":\"mount\"}],\"timeOffsets\":{\"monotonic\":{\"secs\":10,\"nanosecs\":0}}";
        ConfigException e = refused(MINIMAL.replace("{\"type\":\"mount\"}]", offsets));
        assertEquals("$.linux.timeOffsets", e.path());
        write(MINIMAL.replace("{\"type\":\"mount\"}]", "{\"type\":\"time\"}," + offsets));
        ConfigLoader.load(bundle);
    }

    @Test
    void hostnameNeedsUtsNamespace() throws IOException {
        ConfigException e = refused(MINIMAL.replace("\"linux\"", "\"hostname\":\"box\",\"linux\""));
        assertEquals("config.json: $.hostname: unable to set hostname without a private UTS namespace",
                e.getMessage());
    }

    @Test
    void rlimitRules() throws IOException {
        String base = MINIMAL.replace("\"args\":[\"sh\"]", "\"args\":[\"sh\"],\"rlimits\":[%s]");
        String nofile = "{\"type\":\"RLIMIT_NOFILE\",\"soft\":1024,\"hard\":4096}";
        assertEquals("$.process.rlimits[0].type",
                refused(base.formatted("{\"type\":\"RLIMIT_BOGUS\",\"soft\":1,\"hard\":1}")).path());
        assertEquals("$.process.rlimits[1].type", refused(base.formatted(nofile + "," + nofile)).path());
        assertEquals("$.process.rlimits[0]",
                refused(base.formatted("{\"type\":\"RLIMIT_NOFILE\",\"soft\":5000,\"hard\":4096}")).path());
        write(base.formatted(
                "{\"type\":\"RLIMIT_CORE\",\"soft\":1024,\"hard\":18446744073709551615}," + nofile));
        Spec spec = ConfigLoader.load(bundle);
        assertEquals(-1L, spec.process().rlimits().getFirst().hard());
    }

    @Test
    void schemaViolationsNameTheirPaths() throws IOException {
        ConfigException e = refused(MINIMAL.replace("{\"type\":\"pid\"}", "{\"type\":\"pid\",\"path\":7}")
                .replace("\"cwd\":\"/\"", "\"cwd\":\"/\",\"terminal\":\"yes\""));
        assertTrue(e.getMessage().contains("$.process.terminal"), e.getMessage());
        assertTrue(e.getMessage().contains("$.linux.namespaces[0].path"), e.getMessage());
    }

    @Test
    void loadProcess() throws IOException {
        Path p = bundle.resolve("process.json");
        Files.writeString(p, """
                {"cwd":"/","args":["ls","-l"],"user":{"uid":1,"gid":2},"terminal":false,"newField":1}""");
        ProcessSpec ps = ConfigLoader.loadProcess(p);
        assertEquals(List.of("ls", "-l"), ps.args());
        Files.writeString(p, """
                {"cwd":"/","args":"ls","user":{"uid":1,"gid":2}}""");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadProcess(p));
        assertEquals("process.json: $.args", e.getMessage().substring(0, e.getMessage().indexOf(": ", 14)));
        Files.writeString(p, """
                {"cwd":"/","args":[],"user":{"uid":1,"gid":2}}""");
        e = assertThrows(ConfigException.class, () -> ConfigLoader.loadProcess(p));
        assertEquals("$.args", e.path());
    }

    @Test
    void resolveRootfsAbsoluteAndRelative() throws IOException {
        Files.createDirectories(bundle.resolve("rootfs"));
        write(MINIMAL);
        Spec spec = ConfigLoader.load(bundle);
        assertEquals(bundle.resolve("rootfs").toRealPath(), ConfigLoader.resolveRootfs(bundle, spec));
        Path abs = Files.createDirectories(bundle.resolve("elsewhere"));
        write(MINIMAL.replace("\"rootfs\"", "\"" + abs + "\""));
        assertEquals(abs.toRealPath(), ConfigLoader.resolveRootfs(bundle, ConfigLoader.load(bundle)));
    }
}
