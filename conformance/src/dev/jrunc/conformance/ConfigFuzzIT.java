package dev.jrunc.conformance;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.linux.Linux;
import dev.jrunc.linux.Syscalls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property: whatever config.json an engine or a user hands jrunc, `create` ends in success or in
 * exactly one clear error, in bounded time, with no stack trace and nothing left behind (state
 * directory, mounts, cgroups, processes, files outside the bundle); a created container is then
 * deleted with --force, cleanly.
 *
 * <p>Each case is a base config (one of the engine configs in conformance/fixtures, or `jrunc
 * spec`'s) with 1..3 mutations drawn by {@link ConfigMutator} from the case's own seed; jqwik
 * draws the cases from a fixed seed, so a run is reproducible, and each failure is printed with
 * its case ("base:seed:count") to replay alone: {@code make fuzz FUZZ_CASE=...}. Creates run for
 * real, as root, through jrunc's own entry point (dev.jrunc.Main.run) in this JVM, each with its
 * own --root; one case in {@link #SAMPLE_EVERY} is also run through the real ./jrunc launcher and
 * must end the same way. The number of cases is jqwik's tries: a few hundred in `make test`,
 * 10,000 in `make fuzz` (-Djqwik.tries.default=10000). Figures are printed at the end and written
 * to target/fuzz-report.txt.
 */
class ConfigFuzzIT {
    static final List<String> BASES = List.of("jrunc-spec", "runc-spec.json", "containerd-ctr-run.json",
            "containerd-ctr-run-seccomp.json", "podman-run.json");
    static final int SAMPLE_EVERY = 40;
    static final long CASE_TIMEOUT_SECONDS = 90;
    private static final Pattern JSON_PATH = Pattern.compile("\\$(?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[[^\\]]*\\])*");
    private static final Pattern BARE_FIELD = Pattern.compile(
            "(?<![\\w.$/])((?:process|linux|mounts|hooks|root|hostname|domainname)(?:\\.[A-Za-z_][A-Za-z0-9_]*|\\[\\d+\\])+)");

    /** A path with map keys written as members: $.a["b.c"] and $.a.b.c compare equal. */
    static String normal(String path) {
        return path.replaceAll("\\[\"([^\"]*)\"\\]", ".$1");
    }

    /** One generated case: everything needed to build it again. */
    record FuzzCase(String base, long seed, int mutations) {
        @Override
        public String toString() {
            return base + ":" + Long.toHexString(seed) + ":" + mutations;
        }

        static FuzzCase parse(String s) {
            String[] p = s.split(":");
            return new FuzzCase(p[0], Long.parseUnsignedLong(p[1], 16), Integer.parseInt(p[2]));
        }
    }

    private static FuzzRun run;

    @BeforeContainer
    static void setUp() throws IOException {
        if (!ContainerTest.isRoot()) return;
        run = new FuzzRun();
    }

    @AfterContainer
    static void report() throws IOException {
        if (run == null) return;
        try {
            String text = run.figures();
            System.out.println(text);
            Path out = Path.of(System.getProperty("jrunc.fuzz.report", "target/fuzz-report.txt"));
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, text);
            if (!run.failures.isEmpty()) {
                throw new AssertionError(run.failures.size() + " fuzz case(s) failed:\n" + String.join("\n",
                        run.failures.subList(0, Math.min(run.failures.size(), 40))));
            }
        } finally {
            run.close();
            run = null;
        }
    }

    @Provide
    Arbitrary<FuzzCase> cases() {
        return Combinators.combine(Arbitraries.of(BASES), Arbitraries.longs(), Arbitraries.integers().between(1, 3))
                .as(FuzzCase::new);
    }

    @Property(seed = "20251130", shrinking = ShrinkingMode.OFF)
    void everyConfigEndsInSuccessOrOneClearError(@ForAll("cases") FuzzCase c) {
        if (run == null || System.getProperty("jrunc.fuzz.case") != null) return;
        run.check(c);
    }

    /** {@code -Djrunc.fuzz.case=base:seed:count} runs that one case, with its config kept. */
    @Example
    void replay() {
        String one = System.getProperty("jrunc.fuzz.case");
        if (run == null || one == null) return;
        run.check(FuzzCase.parse(one));
    }

    /** The state of one fuzz run: work directory, bases, counters, failures. */
    static final class FuzzRun implements AutoCloseable {
        final Path work;
        final Path bundle;
        final FuzzSafety safety;
        final Map<String, ObjectNode> bases = new LinkedHashMap<>();
        final List<String> failures = new ArrayList<>();
        final Map<String, Integer> counts = new TreeMap<>();
        final Map<String, Integer> errorKinds = new TreeMap<>();
        final Map<String, String> examples = new TreeMap<>();
        final Map<String, Long> millis = new TreeMap<>();
        String replayed;
        final ExecutorService executor = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
        final Syscalls sys = Syscalls.linux();
        final Path jruncBinary;
        final Path failuresDir = Path.of("target/fuzz-failures").toAbsolutePath();
        int caseNo;
        long started = System.nanoTime();
        Set<String> outsideBefore;
        final List<Path> cgroupParents = cgroupParents();
        List<String> mountsBefore;

        FuzzRun() throws IOException {
            work = Files.createTempDirectory("jrunc-fuzz");
            Files.setAttribute(work, "unix:mode", 0755);
            bundle = work.resolve("bundle");
            safety = new FuzzSafety(work, bundle, "jrunc-fuzz-" + ProcessHandle.current().pid());
            String binary = System.getProperty("jrunc.binary");
            jruncBinary = binary == null || binary.isBlank() ? null : Path.of(binary);
            if (System.getProperty("jrunc.home") == null) {
                System.setProperty("jrunc.home", Path.of("target").toAbsolutePath().toString());
            }
            makeWorkspace();
            loadBases();
            // Every process a create leaves (the container's init, once the helper exits) comes to
            // this JVM, so a leftover is seen and a zombie reaped.
            sys.prctl(Linux.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
            outsideBefore = outsideListing();
            mountsBefore = ourMounts();
        }

        private void makeWorkspace() throws IOException {
            Path spec = Files.writeString(work.resolve("spec.json"), dev.jrunc.spec.DefaultSpec.json(false));
            Bundle b = Bundle.fromConfig(bundle, spec);
            Files.delete(spec);
            Files.createDirectories(work.resolve("srcdir"));
            Files.writeString(work.resolve("srcdir/file"), "bind source\n");
            Files.writeString(work.resolve("srcfile"), "a file\n");
            Files.createDirectories(work.resolve("outside"));
            Files.writeString(work.resolve("outside/canary"), "must never change\n");
            Files.createSymbolicLink(work.resolve("link-to-srcdir"), work.resolve("srcdir"));
            Files.createDirectories(bundle.resolve("srcdir-rel"));
            Files.createDirectories(bundle.resolve("other-rootfs"));
            Files.createSymbolicLink(bundle.resolve("rootfs-link"), Path.of("rootfs"));
            // Symlinks in the rootfs that lead out of it, for mount destinations and devices to try.
            Files.createSymbolicLink(b.rootfs.resolve("escape-link"), work.resolve("outside"));
            Files.createSymbolicLink(b.rootfs.resolve("dir-link"), Path.of("../.."));
            Files.createDirectories(work.resolve("roots"));
        }

        private void loadBases() throws IOException {
            Path fixtures = Path.of(System.getProperty("jrunc.fixtures", "conformance/fixtures"), "engine-configs");
            for (String name : BASES) {
                ObjectNode c;
                if (name.equals("jrunc-spec")) {
                    c = (ObjectNode) Bundle.JSON.readTree(dev.jrunc.spec.DefaultSpec.json(false));
                } else {
                    c = (ObjectNode) Bundle.JSON.readTree(fixtures.resolve(name).toFile());
                }
                adapt(c);
                bases.put(name, c);
            }
        }

        /** A base as an engine would hand it over here: our rootfs, no terminal, our cgroup names. */
        private void adapt(ObjectNode c) throws IOException {
            ConfigMutator.obj(c, "root").put("path", "rootfs");
            ObjectNode p = ConfigMutator.obj(c, "process");
            p.put("terminal", false);
            ConfigMutator.obj(c, "linux").remove("cgroupsPath");
            for (JsonNode ns : ConfigMutator.arr(ConfigMutator.obj(c, "linux"), "namespaces")) {
                // podman's pre-made network namespace: a new one instead
                if (ns instanceof ObjectNode o) o.remove("path");
            }
            for (JsonNode m : ConfigMutator.arr(c, "mounts")) {
                String src = m.path("source").asText();
                if (m.path("type").asText().equals("bind") && !Files.exists(Path.of(src))) {
                    ((ObjectNode) m).put("source", work.resolve(src.endsWith("shm") ? "srcdir" : "srcfile").toString());
                }
            }
        }

        /** Builds, runs and judges one case. */
        void check(FuzzCase c) {
            int n = ++caseNo;
            String id = "fz" + n;
            long t0 = System.nanoTime();
            ObjectNode config = bases.get(c.base()).deepCopy();
            ConfigMutator m = new ConfigMutator(c.seed(), safety);
            m.mutate(config, c.mutations());
            safety.sanitize(config);
            byte[] json = serialise(config, m.duplicateKey());
            List<String> problems = new ArrayList<>();
            Outcome o;
            try {
                Files.write(bundle.resolve("config.json"), json);
                o = runCase(id, problems);
                if (jruncBinary != null && n % SAMPLE_EVERY == 0) compareWithBinary(id, o, problems);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long t1 = System.nanoTime();
            problems.addAll(leftovers(id));
            millis.merge("(checking leftovers)", (System.nanoTime() - t1) / 1_000_000, Long::sum);
            count("variants tried");
            String kind = o.kind(m.mutations());
            count(kind);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            millis.merge(kind.startsWith("rejected") ? "rejected" : kind, ms, Long::sum);
            if (Boolean.getBoolean("jrunc.fuzz.verbose")) {
                System.out.println("case " + n + " " + c + " " + kind + " " + ms + " ms " + m.mutations());
            }
            if (kind.startsWith("rejected")) {
                count("rejected");
                String rule = o.errorLine().replaceAll("\\d+", "N");
                rule = rule.length() > 110 ? rule.substring(0, 110) : rule;
                errorKinds.merge(rule, 1, Integer::sum);
                if (!kind.equals("rejected naming the field") && examples.size() < 40) {
                    examples.put(kind + " #" + examples.size(), c + " " + m.mutations() + ": " + o.errorLine());
                }
            }
            if (System.getProperty("jrunc.fuzz.case") != null) {
                replayed = "case " + c + ": " + m.mutations() + "\n  " + kind + ", exit " + o.exit() + "\n  stderr: "
                        + excerpt(o.err()) + "\n  problems: " + problems + "\n  config: " + keepConfig(c, json) + "\n";
            }
            if (!problems.isEmpty()) {
                count("failures");
                String text = "FAIL case " + c + " (" + id + ") " + m.mutations() + ": " + String.join("; ", problems)
                        + "\n  replay: make fuzz FUZZ_CASE=" + c;
                failures.add(text);
                System.out.println(text);
                keepConfig(c, json);
            }
        }

        private Path keepConfig(FuzzCase c, byte[] json) {
            Path d = failuresDir.resolve(c.toString().replace(':', '_'));
            try {
                Files.createDirectories(d);
                Files.write(d.resolve("config.json"), json);
            } catch (IOException e) {
                // the report line is enough
            }
            return d.resolve("config.json");
        }

        private void count(String what) {
            counts.merge(what, 1, Integer::sum);
        }

        /** What a create ended in. */
        record Outcome(int exit, String err, String out, boolean timedOut, Throwable thrown, boolean deleted) {
            String errorLine() {
                return err.lines().filter(l -> l.startsWith("jrunc: ") && !l.startsWith("jrunc: warning:"))
                        .findFirst().orElse("");
            }

            /** The JSON paths the error names: "$.a.b[1]", or a config field written without "$." ("linux.resources.x"). */
            List<String> paths() {
                List<String> out = new ArrayList<>();
                Matcher m = JSON_PATH.matcher(errorLine());
                while (m.find()) {
                    if (m.group().length() > 1 || errorLine().contains(": $: ")) out.add(normal(m.group()));
                }
                Matcher bare = BARE_FIELD.matcher(errorLine());
                while (bare.find()) out.add(normal("$." + bare.group(1)));
                return out;
            }

            boolean namesMutation(List<ConfigMutator.Mutation> mutations) {
                for (String p : paths()) {
                    for (ConfigMutator.Mutation mu : mutations) {
                        if (related(p, normal(mu.path()))) return true;
                    }
                }
                return false;
            }

            String kind(List<ConfigMutator.Mutation> mutations) {
                if (timedOut || thrown != null) return "broken";
                if (exit == 0) return "accepted";
                if (namesMutation(mutations)) return "rejected naming the field";
                if (!paths().isEmpty()) return "rejected naming another field";
                return "rejected without a field";
            }
        }

        /** One path is the other, or one contains the other (an error may name the parent or a child). */
        static boolean related(String a, String b) {
            if (a.equals(b)) return true;
            return startsWithPath(a, b) || startsWithPath(b, a);
        }

        private static boolean startsWithPath(String longer, String prefix) {
            return longer.startsWith(prefix) && (longer.length() == prefix.length()
                    || longer.charAt(prefix.length()) == '.' || longer.charAt(prefix.length()) == '[');
        }

        private Outcome runCase(String id, List<String> problems) throws IOException {
            Path root = work.resolve("roots").resolve(id);
            Run create = inJvm("--root", root.toString(), "create", "--bundle", bundle.toString(), id);
            boolean deleted = false;
            if (create.timedOut()) problems.add("create did not end within " + CASE_TIMEOUT_SECONDS + " s");
            if (create.thrown() != null) problems.add("Main.run threw " + create.thrown());
            judgeOutput(create, problems);
            if (create.exit() == 0) {
                if (!Files.isRegularFile(root.resolve(id).resolve("state.json"))) problems.add("created without a state file");
                Run del = inJvm("--root", root.toString(), "delete", "--force", id);
                deleted = del.exit() == 0;
                if (!deleted) problems.add("delete --force failed: " + del.exit() + " " + del.err().strip());
                if (del.err().contains("\tat ")) problems.add("stack trace from delete: " + excerpt(del.err()));
            }
            return new Outcome(create.exit(), create.err(), create.out(), create.timedOut(), create.thrown(), deleted);
        }

        private void judgeOutput(Run r, List<String> problems) {
            if (r.timedOut() || r.thrown() != null) return;
            if (r.exit() != 0 && r.exit() != 1) problems.add("exit status " + r.exit() + " (want 0 or 1)");
            if (r.err().contains("\tat ") || r.err().contains("Exception:") && !r.err().contains("jrunc: ")) {
                problems.add("stack trace: " + excerpt(r.err()));
            }
            long errors = r.err().lines().filter(l -> l.startsWith("jrunc: ") && !l.startsWith("jrunc: warning:")).count();
            if (r.exit() == 1 && errors != 1) problems.add(errors + " error lines (want exactly one): " + excerpt(r.err()));
            if (r.exit() == 0 && errors != 0) problems.add("success with an error line: " + excerpt(r.err()));
            if (r.exit() == 1) {
                String line = r.err().lines().filter(l -> l.startsWith("jrunc: ") && !l.startsWith("jrunc: warning:"))
                        .findFirst().orElse("");
                if (line.length() < "jrunc: ".length() + 8) problems.add("an empty error: " + line);
                if (line.length() > 2000) problems.add("an error of " + line.length() + " characters");
            }
        }

        private static String excerpt(String s) {
            String t = s.strip().replace("\n", " | ");
            return t.length() > 400 ? t.substring(0, 400) + "…" : t;
        }

        /** One jrunc invocation in this JVM, its output captured. */
        record Run(int exit, String out, String err, boolean timedOut, Throwable thrown) {}

        private Run inJvm(String... args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            System.setOut(new PrintStream(limited(out), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(limited(err), true, StandardCharsets.UTF_8));
            try {
                Future<Integer> f = executor.submit(() -> dev.jrunc.Main.run(args));
                try {
                    int exit = f.get(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), false, null);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    return new Run(-1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), true, null);
                } catch (java.util.concurrent.ExecutionException e) {
                    return new Run(-1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), false,
                            e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }

        /** At most 1 MiB of a stream is kept: a runaway message is itself a finding, not a memory problem. */
        private static OutputStream limited(ByteArrayOutputStream sink) {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    if (sink.size() < (1 << 20)) sink.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    int room = (1 << 20) - sink.size();
                    if (room > 0) sink.write(b, off, Math.min(room, len));
                }
            };
        }

        /** The same config through the real launcher (its own JVM): it must end the same way. */
        private void compareWithBinary(String id, Outcome inJvm, List<String> problems) {
            count("sampled through ./jrunc");
            Path root = work.resolve("roots").resolve(id + "b");
            String bid = id + "b";
            Path out = work.resolve("roots").resolve(bid + ".out");
            Path err = work.resolve("roots").resolve(bid + ".err");
            try {
                Process p = new ProcessBuilder(jruncBinary.toString(), "--root", root.toString(), "create", "--bundle",
                        bundle.toString(), bid)
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor();
                    problems.add("./jrunc create did not end within " + CASE_TIMEOUT_SECONDS + " s");
                    return;
                }
                String errText = Files.readString(err);
                Run r = new Run(p.exitValue(), Files.readString(out), errText, false, null);
                judgeOutput(r, problems);
                if (r.exit() != inJvm.exit()) {
                    problems.add("./jrunc exited " + r.exit() + ", in-JVM " + inJvm.exit() + ": " + excerpt(errText));
                } else if (r.exit() == 1) {
                    // The rootfs is set up by a thread of the JVM that runs the verb: a path through one
                    // of its fds has another number in the test's JVM than in ./jrunc's.
                    String a = inJvm.errorLine().replace(id, "ID").replaceAll("/proc/self/fd/\\d+", "/proc/self/fd/N");
                    String b = new Outcome(1, errText, "", false, null, false).errorLine().replace(bid, "ID")
                            .replaceAll("/proc/self/fd/\\d+", "/proc/self/fd/N");
                    if (!a.equals(b) && !(a.contains("container init") && b.contains("container init"))) {
                        problems.add("./jrunc said \"" + b + "\", in-JVM \"" + a + "\"");
                    }
                }
                if (r.exit() == 0) {
                    Process d = new ProcessBuilder(jruncBinary.toString(), "--root", root.toString(), "delete", "--force",
                            bid).redirectErrorStream(true).redirectOutput(err.toFile()).start();
                    if (!d.waitFor(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS) || d.exitValue() != 0) {
                        problems.add("./jrunc delete --force failed: " + excerpt(Files.readString(err)));
                    }
                }
                problems.addAll(leftovers(bid));
            } catch (IOException e) {
                problems.add("cannot run ./jrunc: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            } finally {
                try {
                    Files.deleteIfExists(out);
                    Files.deleteIfExists(err);
                } catch (IOException ignored) {
                    // left in the work directory, removed at the end
                }
            }
        }

        // ---- nothing left behind ------------------------------------------------------------

        private List<String> leftovers(String id) {
            List<String> found = new ArrayList<>();
            Path root = work.resolve("roots").resolve(id);
            if (Files.exists(root)) {
                try (Stream<Path> s = Files.list(root)) {
                    s.forEach(p -> found.add("left in --root: " + p.getFileName()));
                } catch (IOException e) {
                    found.add("cannot list --root: " + e);
                }
                deleteTree(root);
            }
            List<String> mounts = ourMounts();
            for (String line : mounts) {
                if (!mountsBefore.contains(line)) found.add("mount left: " + line);
            }
            mountsBefore = mounts;
            found.addAll(cgroupsLeft(id));
            found.addAll(processes());
            Set<String> outside = outsideListing();
            if (!outside.equals(outsideBefore)) {
                Set<String> added = new java.util.TreeSet<>(outside);
                added.removeAll(outsideBefore);
                Set<String> gone = new java.util.TreeSet<>(outsideBefore);
                gone.removeAll(outside);
                found.add("files outside the bundle changed: added " + added + ", gone " + gone);
                outsideBefore = outside;
            }
            restoreBundle();
            return found;
        }

        /** Mount points under the work directory, from this process's mountinfo. */
        private List<String> ourMounts() {
            try {
                String w = work.toRealPath().toString();
                return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                        .filter(l -> l.contains(w)).map(l -> l.split(" ")[4]).toList();
            } catch (IOException e) {
                return List.of("cannot read mountinfo: " + e);
            }
        }

        /**
         * Cgroup directories of this case or this run: named after the container (jrunc's default,
         * off its own cgroup) or with this run's prefix (the cgroupsPath values the fuzzer gives),
         * at each hierarchy's root and in this process's own cgroup of each hierarchy.
         */
        private List<String> cgroupsLeft(String id) {
            List<String> found = new ArrayList<>();
            for (Path parent : cgroupParents) {
                if (Files.exists(parent.resolve(id))) found.add("cgroup left: " + parent.resolve(id));
                try (Stream<Path> s = Files.list(parent)) {
                    s.filter(p -> p.getFileName().toString().startsWith(safety.cgroupPrefix()))
                            .forEach(p -> found.add("cgroup left: " + p));
                } catch (IOException e) {
                    // not there on this hierarchy
                }
            }
            return found;
        }

        /** Where a container's cgroup may be made: each hierarchy's root, and this process's cgroup in it. */
        private static List<Path> cgroupParents() {
            Path cg = Path.of("/sys/fs/cgroup");
            List<Path> hierarchies = new ArrayList<>(List.of(cg));
            try (Stream<Path> s = Files.list(cg)) {
                s.filter(p -> Files.isDirectory(p) && !Files.isSymbolicLink(p)).forEach(hierarchies::add);
            } catch (IOException e) {
                return hierarchies;
            }
            List<String> own = new ArrayList<>();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                    String p = line.substring(line.indexOf(':', line.indexOf(':') + 1) + 1);
                    if (!p.equals("/")) own.add(p.substring(1));
                }
            } catch (IOException e) {
                // none known
            }
            List<Path> out = new ArrayList<>();
            for (Path h : hierarchies) {
                out.add(h);
                for (String o : own) {
                    if (Files.isDirectory(h.resolve(o))) out.add(h.resolve(o));
                }
            }
            return out.stream().distinct().toList();
        }

        /** Children of this JVM (every orphan comes here: it is a subreaper): zombies reaped, the living reported and killed. */
        private List<String> processes() {
            List<String> found = new ArrayList<>();
            for (int pid : children()) {
                if (zombie(pid)) {
                    try {
                        sys.waitpid(pid, Linux.WNOHANG);
                    } catch (RuntimeException e) {
                        // reaped meanwhile
                    }
                    continue;
                }
                String cmd = ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()).orElse("?");
                // jrunc's resident engine, started in the background by a ./jrunc case: no leftover
                if (cmd.contains("dev.jrunc.engine.EngineMain")) continue;
                found.add("process left: " + pid + " " + (cmd.length() > 200 ? cmd.substring(0, 200) : cmd));
                try {
                    sys.kill(pid, 9);
                    sys.waitpid(pid, 0);
                } catch (RuntimeException e) {
                    // gone
                }
            }
            return found;
        }

        /** This process's children, from each thread's /proc/self/task/TID/children. */
        private static List<Integer> children() {
            List<Integer> out = new ArrayList<>();
            try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path t : tasks.toList()) {
                    try {
                        for (String p : Files.readString(t.resolve("children")).trim().split("\\s+")) {
                            if (!p.isEmpty()) out.add(Integer.parseInt(p));
                        }
                    } catch (IOException e) {
                        // the thread ended
                    }
                }
            } catch (IOException e) {
                return ProcessHandle.current().children().map(h -> (int) h.pid()).toList();
            }
            return out;
        }

        private static boolean zombie(int pid) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
            } catch (IOException e) {
                return true;
            }
        }

        /** Everything in the work directory outside the bundle and the --root directories, with sizes and mtimes. */
        private Set<String> outsideListing() {
            Set<String> out = new java.util.TreeSet<>();
            try {
                Files.walkFileTree(work, new java.nio.file.SimpleFileVisitor<>() {
                    @Override
                    public java.nio.file.FileVisitResult preVisitDirectory(Path d,
                            java.nio.file.attribute.BasicFileAttributes a) {
                        if (d.equals(bundle) || d.equals(work.resolve("roots"))) {
                            return java.nio.file.FileVisitResult.SKIP_SUBTREE;
                        }
                        out.add(work.relativize(d) + "/");
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }

                    @Override
                    public java.nio.file.FileVisitResult visitFile(Path f, java.nio.file.attribute.BasicFileAttributes a) {
                        out.add(work.relativize(f) + " " + a.size() + " " + a.lastModifiedTime().toMillis());
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                out.add("cannot walk: " + e);
            }
            return out;
        }

        private Set<String> bundleBaseline;

        /**
         * Puts the bundle back as it was (a create may add mount points and device nodes to the
         * rootfs, which is its right): so that one case never depends on another.
         */
        private void restoreBundle() {
            Set<String> now = bundleListing();
            if (bundleBaseline == null) {
                bundleBaseline = now;
                return;
            }
            List<String> added = new ArrayList<>();
            for (String p : now) {
                if (!bundleBaseline.contains(p)) added.add(p);
            }
            added.sort(Comparator.comparingInt(String::length).reversed());
            for (String p : added) {
                try {
                    Files.deleteIfExists(bundle.resolve(p));
                } catch (IOException e) {
                    deleteTree(bundle.resolve(p));
                }
            }
        }

        private Set<String> bundleListing() {
            Set<String> out = new java.util.HashSet<>();
            try (Stream<Path> s = Files.walk(bundle)) {
                s.filter(p -> !p.equals(bundle.resolve("config.json"))).forEach(p -> out.add(bundle.relativize(p).toString()));
            } catch (IOException | UncheckedIOException e) {
                // next time
            }
            return out;
        }

        private static void deleteTree(Path p) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
            } catch (IOException | UncheckedIOException e) {
                // best effort
            }
        }

        String figures() {
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            StringBuilder b = new StringBuilder("\n=== config fuzz: ").append(seconds).append(" s ===\n");
            for (String k : List.of("variants tried", "accepted", "rejected", "rejected naming the field",
                    "rejected naming another field", "rejected without a field", "broken", "sampled through ./jrunc",
                    "failures")) {
                b.append(String.format("  %-32s %d%n", k, counts.getOrDefault(k, 0)));
            }
            millis.forEach((k, v) -> b.append(String.format("  %-32s %d ms on average%n", "time " + k,
                    v / Math.max(1, counts.getOrDefault(k.startsWith("(") ? "variants tried" : k, 1)))));
            b.append("  most frequent errors:\n");
            errorKinds.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(25)
                    .forEach(e -> b.append(String.format("    %6d  %s%n", e.getValue(), e.getKey())));
            if (!examples.isEmpty()) {
                b.append("  rejections not naming the mutated field (examples):\n");
                examples.values().stream().limit(30).forEach(e -> b.append("    ").append(e.length() > 300 ? e.substring(0, 300) : e).append('\n'));
            }
            for (String f : failures) b.append(f).append('\n');
            if (replayed != null) b.append(replayed);
            return b.toString();
        }

        @Override
        public void close() {
            executor.shutdownNow();
            deleteTree(work);
        }
    }

    // ---- writing the document ---------------------------------------------------------------

    /** The config as JSON text; with {@code duplicateKey} = [object path, key], that key is written twice. */
    static byte[] serialise(ObjectNode config, String[] duplicateKey) {
        // Deeply nested documents need a deep stack to write.
        byte[][] result = new byte[1][];
        RuntimeException[] failed = new RuntimeException[1];
        Thread t = new Thread(null, () -> {
            try {
                result[0] = serialiseHere(config, duplicateKey);
            } catch (RuntimeException e) {
                failed[0] = e;
            }
        }, "fuzz-serialise", 512L << 20);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (failed[0] != null) throw failed[0];
        return result[0];
    }

    private static byte[] serialiseHere(ObjectNode config, String[] duplicateKey) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // Deeper than Jackson writes by default: the nesting limit is for jrunc's parser to meet.
        JsonFactory factory = JsonFactory.builder().streamWriteConstraints(
                com.fasterxml.jackson.core.StreamWriteConstraints.builder().maxNestingDepth(100_000).build()).build();
        try (JsonGenerator g = factory.createGenerator(out)) {
            write(g, config, "$", duplicateKey);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void write(JsonGenerator g, JsonNode n, String path, String[] dup) throws IOException {
        if (n.isObject()) {
            g.writeStartObject();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = path + ConfigMutator.member(e.getKey());
                if (dup != null && dup[0].equals(path) && dup[1].equals(e.getKey())) {
                    g.writeFieldName(e.getKey());
                    g.writeString("duplicate");
                }
                g.writeFieldName(e.getKey());
                write(g, e.getValue(), child, dup);
            }
            g.writeEndObject();
        } else if (n.isArray()) {
            g.writeStartArray();
            for (int i = 0; i < n.size(); i++) write(g, n.get(i), path + "[" + i + "]", dup);
            g.writeEndArray();
        } else {
            Bundle.JSON.writeTree(g, n);
        }
    }
}
