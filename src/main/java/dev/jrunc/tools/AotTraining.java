package dev.jrunc.tools;

import dev.jrunc.container.ContainerRecord;
import dev.jrunc.container.StateStore;
import dev.jrunc.engine.Engine;
import dev.jrunc.engine.EngineClient;
import dev.jrunc.linux.Linux;
import dev.jrunc.init.InitPlan;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.rootfs.MountOptions;
import dev.jrunc.seccomp.SeccompCompiler;
import dev.jrunc.spec.ConfigLoader;
import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.Spec;
import dev.jrunc.spec.SpecJson;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.time.Duration;

/**
 * The build's training run for the JVM's ahead-of-time cache (-XX:AOTCacheOutput): walks the
 * code paths of every jrunc JVM (the verbs, the container's init, and the engine's start and its
 * sessions) without making a container, so their classes are loaded and linked from the cache at
 * run time.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("jrunc-aot");
        PrintStream out = System.out;
        PrintStream err = System.err;
        PrintStream devNull = new PrintStream(OutputStream.nullOutputStream());
        try {
            System.setOut(devNull);
            System.setErr(devNull);
            train(work);
        } finally {
            System.setOut(out);
            System.setErr(err);
            try (Stream<Path> walk = Files.walk(work)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static void train(Path work) throws IOException {
        Path bundle = work.resolve("bundle");
        Files.createDirectories(bundle.resolve("rootfs"));
        String root = work.resolve("root").toString();
        run("--version");
        run("spec", "--bundle", bundle.toString());
        Spec spec = ConfigLoader.load(bundle, w -> { });

        // A stopped container: state, list, kill and delete walk their whole path on it.
        StateStore store = new StateStore(Path.of(root), Syscalls.linux());
        store.createDir("t");
        store.write(ContainerRecord.of("t", Integer.MAX_VALUE - 1, 1, bundle.toString(),
                bundle.resolve("rootfs").toString(), "2024-01-01T00:00:00Z", false, Map.of(), List.of(), null, spec));
        run("--root", root, "state", "t");
        run("--root", root, "list");
        run("--root", root, "list", "--format", "json");
        run("--root", root, "kill", "t", "KILL");
        run("--root", root, "start", "t");
        run("--root", root, "delete", "t");
        run("--root", root, "delete", "--force", "t");
        run("--root", root, "--log", work.resolve("log.json").toString(), "--log-format", "json", "state", "nosuch");

        // The init's side: the plan it receives and the parsing it does.
        InitPlan plan = new InitPlan(spec, bundle.resolve("rootfs").toString(), bundle.toString(), false,
                "/nonexistent", "/nonexistent", 0, false, false, Map.of(), null, true);
        SpecJson.mapper().readValue(SpecJson.mapper().writeValueAsBytes(plan), InitPlan.class);
        for (Spec.Mount m : spec.mountsOrEmpty()) MountOptions.parse(m.optionsOrEmpty());
        new SeccompCompiler().compile(new dev.jrunc.spec.Seccomp("SCMP_ACT_ERRNO", null, List.of("SCMP_ARCH_X86_64"),
                null, null, null, List.of(new dev.jrunc.spec.Seccomp.Syscall(List.of("read", "write"), "SCMP_ACT_ALLOW", null, null))));
        DefaultSpec.json(true);
        trainEngine(work, root);
    }

    /** An engine on a private socket, serving a few verbs to a client speaking the front's protocol. */
    private static void trainEngine(Path work, String root) {
        Syscalls sys = Syscalls.linux();
        Engine engine = new Engine(sys, new Engine.Settings(work.resolve("engine"), "training", Duration.ofSeconds(30)),
                new PrintStream(OutputStream.nullOutputStream()));
        engine.bind();
        Thread serving = Thread.ofPlatform().start(engine::serve);
        int devNull = sys.open("/dev/null", Linux.O_RDWR | Linux.O_CLOEXEC, 0);
        try {
            Path socket = work.resolve("engine").resolve("engine.sock");
            List<List<String>> verbs = List.of(List.of("--version"), List.of("--root", root, "list"),
                    List.of("--root", root, "state", "nosuch"), List.of("--root", root, "kill", "nosuch", "KILL"),
                    List.of("--root", root, "start", "nosuch"), List.of("--root", root, "delete", "--force", "nosuch"),
                    List.of("features"));
            for (int round = 0; round < 3; round++) {
                for (List<String> verb : verbs) {
                    try (EngineClient client = EngineClient.connect(sys, socket, "training")) {
                        client.run(verb, Map.of("PATH", "/usr/bin:/bin"), work, 022, "0::/\n", devNull, devNull, devNull);
                    }
                }
            }
            try (EngineClient client = EngineClient.connect(sys, socket, "training")) {
                client.control("status");
            }
            try (EngineClient client = EngineClient.connect(sys, socket, "training")) {
                client.control("stop");
            }
            serving.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sys.close(devNull);
        }
    }

    private static void run(String... args) {
        try {
            dev.jrunc.Main.run(args);
        } catch (RuntimeException e) {
            // training only: failures are expected for some verbs
        }
    }
}
