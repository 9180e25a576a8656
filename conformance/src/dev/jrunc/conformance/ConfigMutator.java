package dev.jrunc.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * Turns a valid config.json into a broken or unusual one, deterministically from a seed: type
 * changes, deletions, out-of-range numbers, path escapes, huge and NUL-laden strings, deep
 * nesting, wrong enum values, duplicate entries, and values at the kernel's limits. Each
 * mutation records the JSON path it touched, so a refusal can be checked for naming it.
 *
 * <p>What it may generate is bounded by what is safe to create as root on a shared host: {@link
 * FuzzSafety} rewrites anything that could reach outside the fuzz work directory (bind sources,
 * namespace paths, hook programs, cgroup paths, the rootfs) before the config is written.
 */
final class ConfigMutator {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** One mutation: what was done where. */
    record Mutation(String kind, String path) {
        @Override
        public String toString() {
            return kind + " " + path;
        }
    }

    /** A place in the tree: the container holding it, and its key (object) or index (array). */
    private record Slot(JsonNode container, String key, int index, String path) {
        JsonNode get() {
            return key != null ? container.get(key) : container.get(index);
        }

        void set(JsonNode v) {
            if (key != null) ((ObjectNode) container).set(key, v);
            else ((ArrayNode) container).set(index, v);
        }

        void remove() {
            if (key != null) ((ObjectNode) container).remove(key);
            else ((ArrayNode) container).remove(index);
        }
    }

    private final SplittableRandom rnd;
    private final FuzzSafety safety;
    private final List<Mutation> done = new ArrayList<>();
    /** A key to write twice when the document is serialised: [object path, key]. */
    private String[] duplicateKey;

    ConfigMutator(long seed, FuzzSafety safety) {
        this.rnd = new SplittableRandom(seed);
        this.safety = safety;
    }

    List<Mutation> mutations() {
        return done;
    }

    String[] duplicateKey() {
        return duplicateKey;
    }

    /** Applies {@code count} mutations to {@code config} (in place). */
    void mutate(ObjectNode config, int count) {
        for (int i = 0; i < count; i++) {
            int k = rnd.nextInt(100);
            if (k < 35) semantic(config);
            else if (k < 45) typeChange(config);
            else if (k < 53) delete(config);
            else if (k < 61) number(config);
            else if (k < 67) pathEscape(config);
            else if (k < 73) hugeString(config);
            else if (k < 80) nul(config);
            else if (k < 84) deep(config);
            else if (k < 92) wrongEnum(config);
            else duplicate(config);
        }
    }

    // ---- picking a place --------------------------------------------------------------------

    /** A random descent from the root, stopping at each level with some probability. */
    private Slot pick(ObjectNode root) {
        Slot here = null;
        JsonNode node = root;
        String path = "$";
        while (true) {
            List<Slot> children = children(node, path);
            if (children.isEmpty() || (here != null && rnd.nextInt(100) < 30)) return here == null ? firstOf(root) : here;
            here = children.get(rnd.nextInt(children.size()));
            node = here.get();
            path = here.path();
        }
    }

    private Slot firstOf(ObjectNode root) {
        List<Slot> c = children(root, "$");
        return c.get(rnd.nextInt(c.size()));
    }

    /** A random slot whose value satisfies the test, or null after a few tries. */
    private Slot pickWhere(ObjectNode root, java.util.function.Predicate<JsonNode> test) {
        for (int i = 0; i < 40; i++) {
            Slot s = pick(root);
            if (s != null && test.test(s.get())) return s;
        }
        return null;
    }

    private static List<Slot> children(JsonNode node, String path) {
        List<Slot> out = new ArrayList<>();
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                String k = it.next().getKey();
                out.add(new Slot(node, k, -1, path + member(k)));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) out.add(new Slot(node, null, i, path + "[" + i + "]"));
        }
        return out;
    }

    static String member(String key) {
        return PLAIN.matcher(key).matches() ? "." + key : "[\"" + key + "\"]";
    }

    private void record(String kind, String path) {
        done.add(new Mutation(kind, path));
    }

    // ---- generic mutations ------------------------------------------------------------------

    private void typeChange(ObjectNode root) {
        Slot s = pick(root);
        JsonNode old = s.get();
        JsonNode v;
        do {
            v = randomValue(0);
        } while (v.getNodeType() == old.getNodeType());
        s.set(v);
        record("type", s.path());
    }

    private JsonNode randomValue(int depth) {
        return switch (rnd.nextInt(depth > 2 ? 5 : 7)) {
            case 0 -> F.textNode(word());
            case 1 -> F.numberNode(boundaryNumber());
            case 2 -> F.booleanNode(rnd.nextBoolean());
            case 3 -> F.nullNode();
            case 4 -> F.numberNode(rnd.nextDouble() * 1000);
            case 5 -> {
                ArrayNode a = F.arrayNode();
                for (int i = rnd.nextInt(3); i > 0; i--) a.add(randomValue(depth + 1));
                yield a;
            }
            default -> {
                ObjectNode o = F.objectNode();
                for (int i = rnd.nextInt(3); i > 0; i--) o.set(word(), randomValue(depth + 1));
                yield o;
            }
        };
    }

    private void delete(ObjectNode root) {
        Slot s = pick(root);
        s.remove();
        record("delete", s.path());
    }

    private static final long[] BOUNDARIES = {
        -1, 0, 1, 65535, 65536, 2147483647L, 2147483648L, 4294967295L, 4294967296L, Long.MAX_VALUE, Long.MIN_VALUE,
        -2147483648L, -2147483649L, 1000, 340, 341, 131071, 131072
    };

    private BigInteger boundaryNumber() {
        return switch (rnd.nextInt(4)) {
            case 0 -> new BigInteger("18446744073709551615");
            case 1 -> new BigInteger("18446744073709551616");
            default -> BigInteger.valueOf(BOUNDARIES[rnd.nextInt(BOUNDARIES.length)]);
        };
    }

    private void number(ObjectNode root) {
        Slot s = pickWhere(root, JsonNode::isNumber);
        if (s == null) s = pick(root);
        s.set(rnd.nextInt(8) == 0 ? F.numberNode(rnd.nextBoolean() ? 1e300 : 0.5) : F.numberNode(boundaryNumber()));
        record("number", s.path());
    }

    private static final String[] ESCAPES = {
        "..", "../..", "../../../../../../etc", "/../../../../etc", "/proc/self/root", "/proc/1/root/etc",
        "escape-link/x", "/escape-link/x", "/escape-link", "dir-link/../..", "//", "/.", "", ".", "relative/path",
        "/dev/../../tmp", "/sys/../../x", "/proc", "/sys", "/dev", "/", "./..", "../bundle-other", "/tmp/../..",
    };

    private void pathEscape(ObjectNode root) {
        Slot s = pickWhere(root, JsonNode::isTextual);
        if (s == null) return;
        String e = ESCAPES[rnd.nextInt(ESCAPES.length)];
        s.set(F.textNode(rnd.nextBoolean() ? e : s.get().asText() + "/" + e));
        record("escape", s.path());
    }

    private void hugeString(ObjectNode root) {
        Slot s = pickWhere(root, JsonNode::isTextual);
        if (s == null) return;
        int[] sizes = {64, 65, 255, 256, 4095, 4096, 131071, 131072, 1 << 20, 10_000_000};
        int n = sizes[rnd.nextInt(sizes.length)];
        String base = s.get().asText();
        StringBuilder b = new StringBuilder(n);
        if (!base.isEmpty() && rnd.nextBoolean()) b.append(base);
        char c = "ax/é=".charAt(rnd.nextInt(5));
        while (b.length() < n) b.append(c);
        b.setLength(n);
        s.set(F.textNode(b.toString()));
        record("huge", s.path());
    }

    private void nul(ObjectNode root) {
        Slot s = pickWhere(root, JsonNode::isTextual);
        if (s == null) return;
        String v = s.get().asText();
        int at = v.isEmpty() ? 0 : rnd.nextInt(v.length() + 1);
        s.set(F.textNode(v.substring(0, at) + "\u0000" + v.substring(at)));
        record("nul", s.path());
    }

    private void deep(ObjectNode root) {
        Slot s = pick(root);
        int depth = new int[] {8, 64, 500, 999, 1001, 3000}[rnd.nextInt(6)];
        JsonNode v = F.textNode("leaf");
        for (int i = 0; i < depth; i++) {
            if (rnd.nextBoolean()) v = F.arrayNode().add(v);
            else v = F.objectNode().set("k", v);
        }
        s.set(v);
        record("deep", s.path());
    }

    private static final String[][] ENUMS = {
        {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", "net", "mnt", "PID", "", "bogus"},
        {"RLIMIT_NOFILE", "RLIMIT_CORE", "RLIMIT_STACK", "RLIMIT_AS", "rlimit_nofile", "RLIMIT_BOGUS", "NOFILE"},
        {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",
            "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_NOTIFY", "SCMP_ACT_BOGUS", "allow"},
        {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390X", "SCMP_ARCH_RISCV64", "SCMP_ARCH_NATIVE", "SCMP_ARCH_Z80", "x86_64"},
        {"CAP_KILL", "CAP_SYS_ADMIN", "CAP_SYS_RESOURCE", "CAP_BPF", "CAP_CHECKPOINT_RESTORE", "CAP_FLY", "cap_kill",
            "KILL", "CAP_SETPCAP", "CAP_NET_RAW", "CAP_LAST_CAP"},
        {"SCMP_CMP_EQ", "SCMP_CMP_NE", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_XX", "EQ"},
        {"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable", "", "bogus"},
        {"a", "b", "c", "u", "p", "x", ""},
        {"rwm", "r", "w", "m", "rw", "", "x", "rwmx", "mm"},
        {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_IDLE", "SCHED_DEADLINE", "SCHED_ISO", "X"},
        {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", "IOPRIO_CLASS_NONE", "x"},
        {"LINUX", "LINUX32", "linux", "BSD"},
        {"bind", "tmpfs", "proc", "sysfs", "mqueue", "devpts", "cgroup", "cgroup2", "none", "", "jrfuzzfs"},
        {"ro", "rw", "nosuid", "nodev", "noexec", "bind", "rbind", "rro", "rnosuid", "idmap", "ridmap", "size=1k",
            "mode=755", "mode=9999", "newinstance", "strictatime", "nosymfollow", "tmpcopyup", "bogus", "x=y", "rprivate"},
        {"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC",
            "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_NOPE"},
        {"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_PREFERRED", "MPOL_LOCAL", "MPOL_BOGUS"},
    };

    private void wrongEnum(ObjectNode root) {
        Slot s = pickWhere(root, JsonNode::isTextual);
        if (s == null) return;
        String v = s.get().asText();
        String[] family = null;
        for (String[] f : ENUMS) {
            for (String x : f) {
                if (x.equals(v)) family = f;
            }
        }
        if (family == null) family = ENUMS[rnd.nextInt(ENUMS.length)];
        String w = switch (rnd.nextInt(4)) {
            case 0 -> v.toLowerCase(java.util.Locale.ROOT);
            case 1 -> v.isEmpty() ? "x" : v.substring(0, v.length() - 1);
            default -> family[rnd.nextInt(family.length)];
        };
        s.set(F.textNode(w));
        record("enum", s.path());
    }

    private void duplicate(ObjectNode root) {
        if (rnd.nextInt(4) == 0) {
            Slot s = pickWhere(root, n -> n.isObject() && n.size() > 0);
            if (s == null) return;
            List<Slot> fields = children(s.get(), s.path());
            Slot f = fields.get(rnd.nextInt(fields.size()));
            duplicateKey = new String[] {s.path(), f.key()};
            record("duplicate-key", s.path());
            return;
        }
        Slot s = pickWhere(root, n -> n.isArray() && n.size() > 0);
        if (s == null) return;
        ArrayNode a = (ArrayNode) s.get();
        int i = rnd.nextInt(a.size());
        a.insert(rnd.nextInt(a.size() + 1), a.get(i).deepCopy());
        record("duplicate", s.path());
    }

    private String word() {
        String[] words = {"x", "", "true", "0", "-1", "null", "/", "/tmp", "CAP_KILL", "SCMP_ACT_ALLOW", "rwm", "bind",
            "user", "1.0.0", "a=b", "=", "é", "\t", "sh"};
        return words[rnd.nextInt(words.length)];
    }

    // ---- targeted mutations: valid JSON, values a runtime must judge -------------------------

    private void semantic(ObjectNode c) {
        ObjectNode process = obj(c, "process");
        ObjectNode linux = obj(c, "linux");
        switch (rnd.nextInt(24)) {
            case 0 -> {
                String f = rnd.nextBoolean() ? "uid" : "gid";
                obj(process, "user").put(f, BOUNDARIES[rnd.nextInt(BOUNDARIES.length)]);
                record("id", "$.process.user." + f);
            }
            case 1 -> {
                ArrayNode g = obj(process, "user").putArray("additionalGids");
                for (int i = rnd.nextInt(4); i >= 0; i--) g.add(BOUNDARIES[rnd.nextInt(BOUNDARIES.length)]);
                record("gids", "$.process.user.additionalGids");
            }
            case 2 -> {
                // a new user namespace with mappings at and past the kernel's limits
                if (!hasNamespace(linux, "user")) arr(linux, "namespaces").addObject().put("type", "user");
                for (String f : List.of("uidMappings", "gidMappings")) {
                    ArrayNode m = linux.putArray(f);
                    for (int i = rnd.nextInt(3); i >= 0; i--) {
                        m.addObject().put("containerID", pickLong(0, 0, 1000, 4294967294L, 2147483647L))
                                .put("hostID", pickLong(100000, 0, 4294967295L, 4294967000L))
                                .put("size", pickLong(65536, 1, 0, 4294967295L, 1000));
                    }
                }
                record("mappings", "$.linux.uidMappings");
            }
            case 3 -> {
                ArrayNode env = arr(process, "env");
                String[] entries = {"NOEQ", "=x", "A=1", "A=2", "EMPTY=", "PATH=/nowhere", "X=" + "y".repeat(131069),
                    "X=" + "y".repeat(131070), "SP ACE=1", "é=é"};
                env.add(entries[rnd.nextInt(entries.length)]);
                record("env", "$.process.env[" + (env.size() - 1) + "]");
            }
            case 4 -> {
                ArrayNode args = arr(process, "args");
                String[] a = {"", "nosuch-program", "/bin/true", "./true", "../../bin/true", "x".repeat(131072), "true"};
                args.add(a[rnd.nextInt(a.length)]);
                record("args", "$.process.args[" + (args.size() - 1) + "]");
            }
            case 5 -> {
                int n = new int[] {1, 63, 64, 65, 255, 10_000}[rnd.nextInt(6)];
                String f = rnd.nextBoolean() ? "hostname" : "domainname";
                c.put(f, "h".repeat(n));
                record("uts", "$." + f);
            }
            case 6 -> {
                String[] v = {"1.0.0", "1.2.1", "1.0.2-dev", "1.0", "banana", "", "01.0.0", "1.0.0+x.y", "1.0.0-"};
                c.put("ociVersion", v[rnd.nextInt(v.length)]);
                record("version", "$.ociVersion");
            }
            case 7 -> {
                ObjectNode caps = obj(process, "capabilities");
                String[] sets = {"bounding", "effective", "permitted", "inheritable", "ambient"};
                String set = sets[rnd.nextInt(sets.length)];
                ArrayNode a = arr(caps, set);
                a.add(ENUMS[4][rnd.nextInt(ENUMS[4].length)]);
                record("caps", "$.process.capabilities." + set + "[" + (a.size() - 1) + "]");
            }
            case 8 -> {
                ObjectNode sc = obj(linux, "seccomp");
                if (!sc.has("defaultAction")) sc.put("defaultAction", "SCMP_ACT_ALLOW");
                ArrayNode arches = arr(sc, "architectures");
                arches.add(ENUMS[3][rnd.nextInt(ENUMS[3].length)]);
                record("arch", "$.linux.seccomp.architectures[" + (arches.size() - 1) + "]");
            }
            case 9 -> {
                ArrayNode devs = arr(obj(linux, "resources"), "devices");
                ObjectNode d = devs.addObject().put("allow", rnd.nextBoolean());
                if (rnd.nextInt(4) > 0) d.put("access", ENUMS[8][rnd.nextInt(ENUMS[8].length)]);
                if (rnd.nextBoolean()) d.put("type", ENUMS[7][rnd.nextInt(ENUMS[7].length)]);
                record("device-rule", "$.linux.resources.devices[" + (devs.size() - 1) + "]");
            }
            case 10 -> {
                String[] ids = {"clos-1", "/", ".", "..", "a/b", "../x", ""};
                obj(linux, "intelRdt").put("closID", ids[rnd.nextInt(ids.length)]);
                record("closID", "$.linux.intelRdt.closID");
            }
            case 11 -> {
                String[] keys = {"net.ipv4.ip_forward", "kernel.shmmax", "kernel.domainname", "kernel.hostname",
                    "vm.swappiness", "net/ipv4/ip_forward", "net..x", "../../kernel/x", "fs.mqueue.msg_max", ""};
                String k = keys[rnd.nextInt(keys.length)];
                obj(linux, "sysctl").put(k, rnd.nextBoolean() ? "1" : "x");
                record("sysctl", "$.linux.sysctl" + member(k));
            }
            case 12 -> {
                ArrayNode r = arr(process, "rlimits");
                r.addObject().put("type", ENUMS[1][rnd.nextInt(ENUMS[1].length)])
                        .put("soft", BOUNDARIES[rnd.nextInt(BOUNDARIES.length)])
                        .put("hard", BOUNDARIES[rnd.nextInt(BOUNDARIES.length)]);
                record("rlimit", "$.process.rlimits[" + (r.size() - 1) + "]");
            }
            case 13 -> {
                ArrayNode mounts = arr(c, "mounts");
                String[] dests = {"/mnt", "/tmp/x", "mnt", "/proc", "/sys", "/dev", "/", "/../../escape", "/escape-link/x",
                    "/dir-link/x", "/etc/passwd", ""};
                ObjectNode m = mounts.addObject().put("destination", dests[rnd.nextInt(dests.length)]);
                m.put("type", ENUMS[12][rnd.nextInt(ENUMS[12].length)]);
                m.put("source", safety.mountSourceChoice(rnd));
                ArrayNode opts = m.putArray("options");
                for (int i = rnd.nextInt(4); i > 0; i--) opts.add(ENUMS[13][rnd.nextInt(ENUMS[13].length)]);
                record("mount", "$.mounts[" + (mounts.size() - 1) + "]");
            }
            case 14 -> {
                ArrayNode devs = arr(linux, "devices");
                String[] paths = {"/dev/fuzz", "/dev/null", "dev/x", "/dev/../../escape", "/escape-link/dev", "/dev/a/b/c"};
                ObjectNode d = devs.addObject().put("path", paths[rnd.nextInt(paths.length)])
                        .put("type", ENUMS[7][rnd.nextInt(ENUMS[7].length)]);
                d.put("major", pickLong(1, 0, -1, 4095, 4096, 4294967295L)).put("minor", pickLong(3, 0, -1, 1048575, 1048576));
                if (rnd.nextBoolean()) d.put("fileMode", pickLong(0666, 04777, 0, 65535, 4294967295L));
                if (rnd.nextBoolean()) d.put("uid", pickLong(0, 1000, 4294967295L));
                record("device", "$.linux.devices[" + (devs.size() - 1) + "]");
            }
            case 15 -> {
                String[] types = {"pid", "network", "ipc", "uts", "cgroup", "time", "user", "mount"};
                String t = types[rnd.nextInt(types.length)];
                ArrayNode nss = arr(linux, "namespaces");
                if (hasNamespace(linux, t)) {
                    for (int i = 0; i < nss.size(); i++) {
                        if (t.equals(nss.get(i).path("type").asText())) {
                            nss.remove(i);
                            break;
                        }
                    }
                    record("namespace-removed", "$.linux.namespaces");
                } else {
                    ObjectNode ns = nss.addObject().put("type", t);
                    if (rnd.nextInt(3) == 0) ns.put("path", safety.namespacePathChoice(rnd));
                    record("namespace", "$.linux.namespaces[" + (nss.size() - 1) + "]");
                }
            }
            case 16 -> {
                String[] kinds = {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};
                String k = kinds[rnd.nextInt(kinds.length)];
                ArrayNode hooks = arr(obj(c, "hooks"), k);
                ObjectNode h = hooks.addObject().put("path", safety.hookPathChoice(rnd));
                if (rnd.nextBoolean()) h.putArray("args").add("hook").add("x".repeat(rnd.nextBoolean() ? 10 : 131072));
                if (rnd.nextBoolean()) h.put("timeout", pickLong(1, 0, -1, 5));
                record("hook", "$.hooks." + k + "[" + (hooks.size() - 1) + "]");
            }
            case 17 -> {
                linux.put("cgroupsPath", safety.cgroupsPathChoice(rnd));
                record("cgroupsPath", "$.linux.cgroupsPath");
            }
            case 18 -> {
                ObjectNode cpu = obj(obj(linux, "resources"), "cpu");
                String[] f = {"shares", "quota", "period", "realtimeRuntime", "realtimePeriod", "burst", "idle"};
                String field = f[rnd.nextInt(f.length)];
                cpu.put(field, BOUNDARIES[rnd.nextInt(BOUNDARIES.length)]);
                if (rnd.nextBoolean()) cpu.put("cpus", new String[] {"0", "0-1", "99", "x", ""}[rnd.nextInt(5)]);
                record("cpu", "$.linux.resources.cpu." + field);
            }
            case 19 -> {
                ObjectNode mem = obj(obj(linux, "resources"), "memory");
                String[] f = {"limit", "reservation", "swap", "kernel", "swappiness"};
                String field = f[rnd.nextInt(f.length)];
                mem.put(field, pickLong(-1, 0, 1, 4096, 1L << 30, Long.MAX_VALUE, 101));
                record("memory", "$.linux.resources.memory." + field);
            }
            case 20 -> {
                obj(obj(linux, "resources"), "pids").put("limit", pickLong(-1, 0, 1, 2, 100, Long.MAX_VALUE));
                record("pids", "$.linux.resources.pids.limit");
            }
            case 21 -> {
                ObjectNode s = obj(process, "scheduler").put("policy", ENUMS[9][rnd.nextInt(ENUMS[9].length)]);
                if (rnd.nextBoolean()) s.put("priority", pickLong(0, 1, 99, 100, -1));
                if (rnd.nextBoolean()) s.put("nice", pickLong(0, -20, 19, 20, -21));
                record("scheduler", "$.process.scheduler");
            }
            case 22 -> {
                process.put("cwd", new String[] {"/", "/tmp", "relative", "/nonexistent/dir", "/etc/passwd", "/../..",
                    "/escape-link", ""}[rnd.nextInt(8)]);
                record("cwd", "$.process.cwd");
            }
            default -> {
                ((ObjectNode) obj(c, "root")).put("path", safety.rootPathChoice(rnd));
                record("root", "$.root.path");
            }
        }
    }

    private long pickLong(long... values) {
        return values[rnd.nextInt(values.length)];
    }

    private static boolean hasNamespace(ObjectNode linux, String type) {
        JsonNode nss = linux.get("namespaces");
        if (nss == null || !nss.isArray()) return false;
        for (JsonNode n : nss) {
            if (type.equals(n.path("type").asText())) return true;
        }
        return false;
    }

    /** The object at parent.field, made (replacing what is there) if it is not an object. */
    static ObjectNode obj(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ObjectNode o) return o;
        return parent.putObject(field);
    }

    static ArrayNode arr(ObjectNode parent, String field) {
        JsonNode n = parent.get(field);
        if (n instanceof ArrayNode a) return a;
        return parent.putArray(field);
    }
}
