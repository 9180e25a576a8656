package dev.jrunc.conformance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.JruncException;
import dev.jrunc.process.ProcessSecurity;
import dev.jrunc.process.Sysctls;
import dev.jrunc.seccomp.SeccompCompiler;
import dev.jrunc.spec.ConfigLoader;
import dev.jrunc.spec.Spec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The checks `create` makes before it makes anything (parse, schema, binding, semantic rules,
 * kernel limits, process attributes, sysctl, seccomp compilation), over the fuzzer's generated
 * configs, without root and without creating: each either passes or throws a JruncException whose
 * message is one readable line. A unit test (surefire), next to the Jupiter tests; ConfigFuzzIT
 * then creates such configs for real.
 */
class ConfigChecksPropertyTest {
    private static Path work;
    private static Path bundle;
    private static FuzzSafety safety;
    private static final Map<String, ObjectNode> BASES = new LinkedHashMap<>();

    @BeforeContainer
    static void setUp() throws IOException {
        work = Files.createTempDirectory("jrunc-checks");
        bundle = Files.createDirectories(work.resolve("bundle"));
        Files.createDirectories(bundle.resolve("rootfs/bin"));
        Files.createDirectories(bundle.resolve("other-rootfs"));
        Files.createDirectories(work.resolve("srcdir"));
        safety = new FuzzSafety(work, bundle, "jrunc-checks");
        Path fixtures = Path.of(System.getProperty("jrunc.fixtures", "conformance/fixtures"), "engine-configs");
        for (String name : ConfigFuzzIT.BASES) {
            ObjectNode c = name.equals("jrunc-spec")
                    ? (ObjectNode) Bundle.JSON.readTree(dev.jrunc.spec.DefaultSpec.json(false))
                    : (ObjectNode) Bundle.JSON.readTree(fixtures.resolve(name).toFile());
            ConfigMutator.obj(c, "root").put("path", "rootfs");
            ConfigMutator.obj(c, "process").put("terminal", false);
            for (var ns : ConfigMutator.arr(ConfigMutator.obj(c, "linux"), "namespaces")) {
                if (ns instanceof ObjectNode o) o.remove("path");
            }
            BASES.put(name, c);
        }
    }

    @AfterContainer
    static void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(work)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Provide
    Arbitrary<ConfigFuzzIT.FuzzCase> cases() {
        return Combinators.combine(Arbitraries.of(ConfigFuzzIT.BASES), Arbitraries.longs(),
                Arbitraries.integers().between(1, 3)).as(ConfigFuzzIT.FuzzCase::new);
    }

    @Property(tries = 500, seed = "20251130", shrinking = ShrinkingMode.OFF)
    void createsChecksPassOrGiveOneClearError(@ForAll("cases") ConfigFuzzIT.FuzzCase c) throws IOException {
        ObjectNode config = BASES.get(c.base()).deepCopy();
        ConfigMutator m = new ConfigMutator(c.seed(), safety);
        m.mutate(config, c.mutations());
        safety.sanitize(config);
        Files.write(bundle.resolve("config.json"), ConfigFuzzIT.serialise(config, m.duplicateKey()));
        try {
            Spec spec = ConfigLoader.loadBundle(bundle, w -> { }).spec();
            boolean newUserNs = spec.linux() != null && spec.linux().namespacesOrEmpty().stream()
                    .anyMatch(n -> "user".equals(n.type()) && (n.path() == null || n.path().isEmpty()));
            ProcessSecurity.check(spec, newUserNs, ProcessSecurity.host(), w -> { });
            Sysctls.check(spec.linux());
            if (spec.linux() != null && spec.linux().seccomp() != null) {
                new SeccompCompiler().compile(spec.linux().seccomp());
            }
        } catch (JruncException e) {
            String msg = e.getMessage();
            if (msg == null || msg.isBlank() || msg.contains("\n") || msg.length() > 2000) {
                throw new AssertionError("case " + c + " " + m.mutations() + ": not one readable line: "
                        + (msg == null ? null : msg.substring(0, Math.min(msg.length(), 500))), e);
            }
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("case " + c + " " + m.mutations() + ": " + e, e);
        }
    }
}
