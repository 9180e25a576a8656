package dev.jrunc.spec;

import dev.jrunc.namespaces.NamespaceKind;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of config.md / config-linux.md a schema cannot express, checked after binding. Each
 * failure is a {@link ConfigException} naming the JSON path; tolerated oddities (as runc
 * tolerates them) come back as warnings. The kernel's own limits ({@link KernelLimits}) are
 * checked here too, so that a value no syscall would take is refused before anything is made.
 */
public final class SemanticChecks {
    /** RLIMIT_* names and their resource numbers (asm-generic, as on x86-64 and arm64). */
    public static final Map<String, Integer> RLIMITS = rlimits();

    private static final String DOC = ConfigLoader.CONFIG_FILE;

    private SemanticChecks() {}

    private static Map<String, Integer> rlimits() {
        String[] names = {
            "CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS",
            "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"
        };
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            m.put("RLIMIT_" + names[i], i);
        }
        return Map.copyOf(m);
    }

    /**
     * Checks a bound config for creating a container. $.root.path is resolved and checked by
     * {@link ConfigLoader#resolveRootfs}, once.
     *
     * @return warnings (never null)
     * @throws ConfigException on the first rule broken
     */
    public static List<String> check(Spec spec) {
        List<String> warnings = new ArrayList<>();
        checkOciVersion(spec.ociVersion());
        // config.md: process is optional at create; such a container can only be killed and deleted.
        if (spec.process() != null) checkProcess(spec.process(), "$.process", DOC);
        checkUtsNames(spec);
        checkMounts(spec, warnings);
        checkHooks(spec.hooks());
        checkLinux(spec);
        return warnings;
    }

    /** SemVer 2.0.0, as semver.org's grammar has it: MAJOR.MINOR.PATCH[-pre.release][+build.meta]. */
    private static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
            + "(-(0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(\\.(0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
            + "(\\+[0-9a-zA-Z-]+(\\.[0-9a-zA-Z-]+)*)?");

    static void checkOciVersion(String v) {
        if (v == null || v.isEmpty()) {
            fail("$.ociVersion", "is required");
        }
        if (v.length() > 256 || !SEMVER.matcher(v).matches()) {
            fail("$.ociVersion", quote(v) + " is not a SemVer 2.0.0 version (such as 1.2.0)");
        }
    }

    /** Checks a process object found at {@code at} (e.g. "$.process") of document {@code doc}. */
    public static void checkProcess(ProcessSpec process, String at, String doc) {
        if (process.args() == null || process.args().isEmpty()) {
            throw new ConfigException(
                    doc, at + ".args", "must be a non-empty array (required to create a container)");
        }
        if (process.args().getFirst() == null || process.args().getFirst().isEmpty()) {
            throw new ConfigException(doc, at + ".args[0]", "must name the program to run");
        }
        checkExecStrings(process.args(), at + ".args", doc);
        checkEnv(process.envOrEmpty(), at + ".env", doc);
        if (process.cwd() == null || process.cwd().isEmpty()) {
            throw new ConfigException(doc, at + ".cwd", "is required");
        }
        if (!process.cwd().startsWith("/")) {
            throw new ConfigException(
                    doc, at + ".cwd", "must be an absolute path, got " + quote(process.cwd()));
        }
        checkPathLength(process.cwd(), at + ".cwd", doc);
        checkUser(process.user(), at + ".user", doc);
        List<ProcessSpec.Rlimit> rlimits = process.rlimits() == null ? List.of() : process.rlimits();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < rlimits.size(); i++) {
            ProcessSpec.Rlimit r = rlimits.get(i);
            String here = at + ".rlimits[" + i + "]";
            if (!RLIMITS.containsKey(r.type())) {
                throw new ConfigException(doc, here + ".type", "unknown rlimit type " + quote(r.type()));
            }
            if (!seen.add(r.type())) {
                throw new ConfigException(doc, here + ".type", "duplicate rlimit type \"" + r.type() + "\"");
            }
            if (Long.compareUnsigned(r.soft(), r.hard()) > 0) {
                throw new ConfigException(doc, here, "soft limit "
                        + Long.toUnsignedString(r.soft()) + " is above hard limit "
                        + Long.toUnsignedString(r.hard()));
            }
        }
    }

    /**
     * process.env as runc prepares it: every entry NAME=value with a non-empty NAME (a NUL byte
     * is refused for every string of the config, see {@link SpecStrings}), each within
     * MAX_ARG_STRLEN. A repeated NAME is no error: the last one wins ({@link #effectiveEnv}).
     */
    static void checkEnv(List<String> env, String at, String doc) {
        for (int i = 0; i < env.size(); i++) {
            String e = env.get(i);
            String here = at + "[" + i + "]";
            if (e == null) {
                throw new ConfigException(doc, here, "must be a string NAME=value");
            }
            int eq = e.indexOf('=');
            if (eq < 0) {
                throw new ConfigException(doc, here, quote(e) + " is not in the form NAME=value (no '=')");
            }
            if (eq == 0) {
                throw new ConfigException(doc, here, quote(e) + " has an empty variable name");
            }
        }
        checkExecStrings(env, at, doc);
    }

    /**
     * The environment a process gets from process.env: as runc does, a NAME given more than
     * once keeps its last value, at the place of its last occurrence.
     */
    public static List<String> effectiveEnv(List<String> env) {
        if (env == null || env.isEmpty()) return List.of();
        Set<String> seen = new HashSet<>();
        List<String> reversed = new ArrayList<>(env.size());
        for (int i = env.size() - 1; i >= 0; i--) {
            String e = env.get(i);
            int eq = e.indexOf('=');
            String name = eq < 0 ? e : e.substring(0, eq);
            if (seen.add(name)) reversed.add(e);
        }
        return reversed.size() == env.size() ? env : List.copyOf(reversed.reversed());
    }

    /** Each string of an argv or envp fits execve's MAX_ARG_STRLEN. */
    static void checkExecStrings(List<String> strings, String at, String doc) {
        for (int i = 0; i < strings.size(); i++) {
            String s = strings.get(i);
            if (s == null) {
                throw new ConfigException(doc, at + "[" + i + "]", "must be a string, not null");
            }
            long bytes = KernelLimits.cBytes(s);
            if (bytes > KernelLimits.MAX_ARG_STRLEN) {
                throw new ConfigException(doc, at + "[" + i + "]", "is " + (bytes - 1)
                        + " bytes long; execve(2) takes at most " + (KernelLimits.MAX_ARG_STRLEN - 1)
                        + " bytes in one argument or environment string (MAX_ARG_STRLEN)");
            }
        }
    }

    /**
     * execve(2) of {@code filename} with {@code argv} and {@code env} fits the argument space the
     * kernel grants under the soft RLIMIT_STACK {@code stackSoft} (fs/exec.c): else the error
     * names process.args or process.env (the larger), their sizes and the limit, instead of the
     * kernel's bare E2BIG.
     *
     * @param at the process object's path, e.g. "$.process"
     * @param userArgs process.args as the config gives them (part of argv)
     * @param userEnv the environment as the process gets it (it is env)
     */
    public static void checkExecSpace(String doc, String at, List<String> userArgs, List<String> userEnv,
            String filename, List<String> argv, List<String> env, long stackSoft) {
        long need = KernelLimits.cBytes(filename) + KernelLimits.stringBytes(argv, env);
        long space = KernelLimits.execStringSpace(stackSoft, argv.size(), env.size());
        if (need <= space) return;
        long args = KernelLimits.stringBytes(userArgs);
        long envBytes = KernelLimits.stringBytes(userEnv);
        long own = need - args - envBytes;
        String stack = stackSoft < 0 ? "unlimited" : Long.toString(stackSoft);
        throw new ConfigException(doc, at + (args >= envBytes ? ".args" : ".env"),
                "process.args (" + args + " bytes in " + userArgs.size() + " strings) and process.env ("
                + envBytes + " bytes in " + userEnv.size() + " strings), with the " + own
                + " bytes the runtime adds, need " + need + " bytes; execve(2) grants " + space
                + " (a quarter of the soft RLIMIT_STACK " + stack + ", at least " + KernelLimits.ARG_MAX
                + " and at most " + KernelLimits.ARGS_CEILING + ", less 8 bytes per string)");
    }

    /**
     * uid, gid and additionalGids in 0..2^31-1, as runc takes them: 4294967295 is (uid_t) -1,
     * which setresuid(2) reads as "leave unchanged", so the process would keep running as root.
     */
    static void checkUser(ProcessSpec.User user, String at, String doc) {
        if (user == null) return;
        checkId(user.uid(), at + ".uid", doc);
        checkId(user.gid(), at + ".gid", doc);
        List<Long> gids = user.additionalGids() == null ? List.of() : user.additionalGids();
        if (gids.size() > 65536) {
            // NGROUPS_MAX
            throw new ConfigException(doc, at + ".additionalGids", gids.size()
                    + " groups given; setgroups(2) takes at most 65536 (NGROUPS_MAX)");
        }
        for (int i = 0; i < gids.size(); i++) {
            Long g = gids.get(i);
            if (g == null) throw new ConfigException(doc, at + ".additionalGids[" + i + "]", "must be a number, not null");
            checkId(g, at + ".additionalGids[" + i + "]", doc);
        }
    }

    private static void checkId(long id, String at, String doc) {
        if (id < 0 || id > KernelLimits.MAX_ID) {
            throw new ConfigException(doc, at, Long.toUnsignedString(id) + " is out of range: a uid or gid is "
                    + "0.." + KernelLimits.MAX_ID);
        }
    }

    /** sethostname(2) and setdomainname(2) take at most HOST_NAME_MAX bytes; both need a UTS namespace. */
    private static void checkUtsNames(Spec spec) {
        for (String[] f : new String[][] {{"$.hostname", spec.hostname(), "hostname"},
                {"$.domainname", spec.domainname(), "domainname"}}) {
            String v = f[1];
            if (v == null) continue;
            long bytes = KernelLimits.utf8Length(v);
            if (bytes > KernelLimits.HOST_NAME_MAX) {
                fail(f[0], "is " + bytes + " bytes long; the kernel takes at most " + KernelLimits.HOST_NAME_MAX
                        + " bytes for a " + f[2] + " (HOST_NAME_MAX)");
            }
        }
    }

    private static void checkMounts(Spec spec, List<String> warnings) {
        List<Spec.Mount> mounts = spec.mountsOrEmpty();
        for (int i = 0; i < mounts.size(); i++) {
            Spec.Mount m = mounts.get(i);
            String here = "$.mounts[" + i + "]";
            if (m == null) {
                fail(here, "must be an object, not null");
            }
            String dest = m.destination();
            if (dest == null || dest.isEmpty()) {
                fail(here + ".destination", "is required");
            }
            checkPathLength(dest, here + ".destination", DOC);
            if (m.source() != null) {
                checkPathLength(m.source(), here + ".source", DOC);
            }
            // mount(2) and fsopen(2) copy the type with a PATH_MAX bound: a longer one names no filesystem
            if (m.type() != null && KernelLimits.cBytes(m.type()) > KernelLimits.PATH_MAX) {
                fail(here + ".type", "is " + (KernelLimits.cBytes(m.type()) - 1) + " bytes long; the kernel takes a "
                        + "filesystem type of at most " + (KernelLimits.PATH_MAX - 1) + " bytes (PATH_MAX)");
            }
            if (!dest.startsWith("/")) {
                warnings.add("config.json: " + here + ".destination: " + quote(dest)
                        + " is not an absolute path; taken relative to the container's /");
            }
            // config.md: each of the two MUST be specified along with the other.
            boolean uids = m.uidMappings() != null;
            boolean gids = m.gidMappings() != null;
            if (uids != gids) {
                fail(here + (uids ? ".gidMappings" : ".uidMappings"), "must be given along with "
                        + (uids ? "uidMappings" : "gidMappings") + " (config.md)");
            }
            checkIdMappings(m.uidMappings(), here + ".uidMappings");
            checkIdMappings(m.gidMappings(), here + ".gidMappings");
        }
    }

    /** config.md: a hook's path is required and absolute; its args and env go to execve. */
    private static void checkHooks(Spec.Hooks hooks) {
        if (hooks == null) return;
        Map<String, List<Spec.Hook>> kinds = new LinkedHashMap<>();
        kinds.put("prestart", hooks.prestart());
        kinds.put("createRuntime", hooks.createRuntime());
        kinds.put("createContainer", hooks.createContainer());
        kinds.put("startContainer", hooks.startContainer());
        kinds.put("poststart", hooks.poststart());
        kinds.put("poststop", hooks.poststop());
        for (var kind : kinds.entrySet()) {
            List<Spec.Hook> list = kind.getValue() == null ? List.of() : kind.getValue();
            for (int i = 0; i < list.size(); i++) {
                Spec.Hook h = list.get(i);
                String here = "$.hooks." + kind.getKey() + "[" + i + "]";
                if (h == null) fail(here, "must be an object, not null");
                if (h.path() == null || h.path().isEmpty()) fail(here + ".path", "is required");
                if (!h.path().startsWith("/")) {
                    fail(here + ".path", "must be an absolute path, got " + quote(h.path()));
                }
                checkPathLength(h.path(), here + ".path", DOC);
                if (h.args() != null) checkExecStrings(h.args(), here + ".args", DOC);
                if (h.env() != null) checkExecStrings(h.env(), here + ".env", DOC);
                if (h.timeout() != null && h.timeout() <= 0) {
                    fail(here + ".timeout", "must be greater than zero, got " + h.timeout());
                }
            }
        }
    }

    private static void checkLinux(Spec spec) {
        LinuxSpec linux = spec.linux();
        List<LinuxSpec.Namespace> nss = linux == null ? List.of() : linux.namespacesOrEmpty();
        Map<String, LinuxSpec.Namespace> byType = new LinkedHashMap<>();
        for (int i = 0; i < nss.size(); i++) {
            LinuxSpec.Namespace ns = nss.get(i);
            String here = "$.linux.namespaces[" + i + "]";
            if (ns == null) {
                fail(here, "must be an object, not null");
            }
            if (NamespaceKind.bySpecName(ns.type()).isEmpty()) {
                fail(here + ".type", "unknown namespace type " + quote(ns.type()));
            }
            if (byType.putIfAbsent(ns.type(), ns) != null) {
                fail(here + ".type", "duplicate namespace \"" + ns.type() + "\"");
            }
            if (ns.path() != null && !ns.path().isEmpty()) {
                if (!ns.path().startsWith("/")) {
                    fail(here + ".path", "must be an absolute path, got " + quote(ns.path()));
                }
                checkPathLength(ns.path(), here + ".path", DOC);
                if (!Files.exists(Path.of(ns.path()), LinkOption.NOFOLLOW_LINKS)
                        && !Files.exists(Path.of(ns.path()))) {
                    fail(here + ".path", ns.type() + " namespace path " + ns.path() + " does not exist");
                }
            }
        }

        LinuxSpec.Namespace user = byType.get("user");
        boolean newUserNs = user != null && (user.path() == null || user.path().isEmpty());
        boolean hasUidMap = linux != null && !linux.uidMappingsOrEmpty().isEmpty();
        boolean hasGidMap = linux != null && !linux.gidMappingsOrEmpty().isEmpty();
        if (newUserNs) {
            if (!hasUidMap) {
                fail("$.linux.uidMappings", "a new user namespace is requested but no uid mappings are given");
            }
            if (!hasGidMap) {
                fail("$.linux.gidMappings", "a new user namespace is requested but no gid mappings are given");
            }
        } else if (user == null) {
            if (hasUidMap) {
                fail("$.linux.uidMappings", "uid mappings are given but no user namespace is requested");
            }
            if (hasGidMap) {
                fail("$.linux.gidMappings", "gid mappings are given but no user namespace is requested");
            }
        }
        if (linux != null) {
            checkIdMappings(linux.uidMappings(), "$.linux.uidMappings");
            checkIdMappings(linux.gidMappings(), "$.linux.gidMappings");
            if (newUserNs) {
                checkMapped(spec.process(), linux);
            }
        }

        if (linux != null && linux.timeOffsets() != null && !linux.timeOffsets().isEmpty()) {
            LinuxSpec.Namespace time = byType.get("time");
            if (time == null) {
                fail("$.linux.timeOffsets", "time offsets are given but no time namespace is requested");
            }
            if (time.path() != null && !time.path().isEmpty()) {
                fail("$.linux.timeOffsets", "time offsets cannot be set when joining an existing time namespace");
            }
        }

        if (spec.hostname() != null && !spec.hostname().isEmpty() && !byType.containsKey("uts")) {
            fail("$.hostname", "unable to set hostname without a private UTS namespace");
        }
        if (spec.domainname() != null && !spec.domainname().isEmpty() && !byType.containsKey("uts")) {
            fail("$.domainname", "unable to set domainname without a private UTS namespace");
        }
        if (linux == null) return;

        checkLinuxPaths(linux);
        if (linux.resources() != null) {
            checkResources(linux.resources(), "$.linux.resources", DOC);
        }
        if (linux.intelRdt() != null) {
            checkClosId(linux.intelRdt().closID());
        }
    }

    /**
     * One uid_map or gid_map as the kernel takes it (kernel/user_namespace.c map_write): a size
     * of at least 1, no range passing 4294967295 (u32, without wrapping), no two ranges
     * overlapping on either side, at most 340 lines.
     */
    static void checkIdMappings(List<LinuxSpec.IdMapping> maps, String at) {
        if (maps == null) return;
        if (maps.size() > KernelLimits.MAX_MAP_EXTENTS) {
            fail(at, maps.size() + " ranges given; the kernel takes at most " + KernelLimits.MAX_MAP_EXTENTS);
        }
        for (int i = 0; i < maps.size(); i++) {
            LinuxSpec.IdMapping m = maps.get(i);
            String here = at + "[" + i + "]";
            if (m == null) fail(here, "must be an object, not null");
            checkMapValue(m.containerID(), here + ".containerID");
            checkMapValue(m.hostID(), here + ".hostID");
            checkMapValue(m.size(), here + ".size");
            if (m.size() < 1) {
                fail(here + ".size", "must be at least 1");
            }
            if (m.containerID() + m.size() > KernelLimits.MAX_MAP_VALUE) {
                fail(here, "containerID + size = " + (m.containerID() + m.size()) + " is above "
                        + KernelLimits.MAX_MAP_VALUE + ": the range would wrap around");
            }
            if (m.hostID() + m.size() > KernelLimits.MAX_MAP_VALUE) {
                fail(here, "hostID + size = " + (m.hostID() + m.size()) + " is above "
                        + KernelLimits.MAX_MAP_VALUE + ": the range would wrap around");
            }
            for (int j = 0; j < i; j++) {
                LinuxSpec.IdMapping o = maps.get(j);
                if (overlap(m.containerID(), o.containerID(), m.size(), o.size())) {
                    fail(here, "its containerID range overlaps that of " + at + "[" + j + "]");
                }
                if (overlap(m.hostID(), o.hostID(), m.size(), o.size())) {
                    fail(here, "its hostID range overlaps that of " + at + "[" + j + "]");
                }
            }
        }
    }

    private static void checkMapValue(long v, String at) {
        if (v < 0 || v > KernelLimits.MAX_MAP_VALUE) {
            fail(at, Long.toUnsignedString(v) + " is out of range 0.." + KernelLimits.MAX_MAP_VALUE);
        }
    }

    private static boolean overlap(long a, long b, long aSize, long bSize) {
        return a < b + bSize && b < a + aSize;
    }

    /** In a new user namespace the process's uid and gid must be mapped, or setresuid(2) fails. */
    private static void checkMapped(ProcessSpec process, LinuxSpec linux) {
        ProcessSpec.User u = process == null ? null : process.user();
        long uid = u == null ? 0 : u.uid();
        long gid = u == null ? 0 : u.gid();
        if (!mapped(uid, linux.uidMappingsOrEmpty())) {
            fail("$.process.user.uid", uid + " is not mapped by $.linux.uidMappings");
        }
        if (!mapped(gid, linux.gidMappingsOrEmpty())) {
            fail("$.process.user.gid", gid + " is not mapped by $.linux.gidMappings");
        }
        List<Long> gids = u == null || u.additionalGids() == null ? List.of() : u.additionalGids();
        for (int i = 0; i < gids.size(); i++) {
            if (!mapped(gids.get(i), linux.gidMappingsOrEmpty())) {
                fail("$.process.user.additionalGids[" + i + "]", gids.get(i) + " is not mapped by $.linux.gidMappings");
            }
        }
    }

    private static boolean mapped(long id, List<LinuxSpec.IdMapping> maps) {
        for (LinuxSpec.IdMapping m : maps) {
            if (id >= m.containerID() && id < m.containerID() + m.size()) return true;
        }
        return false;
    }

    private static void checkLinuxPaths(LinuxSpec linux) {
        List<LinuxSpec.Device> devices = linux.devicesOrEmpty();
        for (int i = 0; i < devices.size(); i++) {
            LinuxSpec.Device d = devices.get(i);
            String here = "$.linux.devices[" + i + "]";
            if (d == null) fail(here, "must be an object, not null");
            if (d.path() == null || d.path().isEmpty()) fail(here + ".path", "is required");
            checkPathLength(d.path(), here + ".path", DOC);
            // mknod(2) takes a 32-bit device number: a 12-bit major, a 20-bit minor.
            if (d.major() != null && (d.major() < 0 || d.major() > KernelLimits.MAX_MAJOR)) {
                fail(here + ".major", Long.toUnsignedString(d.major()) + " is out of range 0.." + KernelLimits.MAX_MAJOR);
            }
            if (d.minor() != null && (d.minor() < 0 || d.minor() > KernelLimits.MAX_MINOR)) {
                fail(here + ".minor", Long.toUnsignedString(d.minor()) + " is out of range 0.." + KernelLimits.MAX_MINOR);
            }
        }
        List<String> masked = linux.maskedPathsOrEmpty();
        for (int i = 0; i < masked.size(); i++) {
            checkPathLength(masked.get(i), "$.linux.maskedPaths[" + i + "]", DOC);
        }
        List<String> readonly = linux.readonlyPathsOrEmpty();
        for (int i = 0; i < readonly.size(); i++) {
            checkPathLength(readonly.get(i), "$.linux.readonlyPaths[" + i + "]", DOC);
        }
        if (linux.cgroupsPath() != null) {
            checkPathLength(linux.cgroupsPath(), "$.linux.cgroupsPath", DOC);
        }
        Seccomp seccomp = linux.seccomp();
        if (seccomp != null && seccomp.listenerPath() != null
                && KernelLimits.cBytes(seccomp.listenerPath()) > KernelLimits.UNIX_PATH_MAX) {
            fail("$.linux.seccomp.listenerPath", "is " + KernelLimits.utf8Length(seccomp.listenerPath())
                    + " bytes long; a unix socket path takes at most " + (KernelLimits.UNIX_PATH_MAX - 1)
                    + " bytes (sun_path)");
        }
    }

    /**
     * linux.resources, of config.json or of an `update --resources` document found at {@code at}:
     * what the cgroup files would refuse with a bare errno.
     */
    public static void checkResources(Resources r, String at, String doc) {
        List<Resources.DeviceRule> devices = r.devices() == null ? List.of() : r.devices();
        for (int i = 0; i < devices.size(); i++) {
            Resources.DeviceRule d = devices.get(i);
            String here = at + ".devices[" + i + "]";
            if (d == null) throw new ConfigException(doc, here, "must be an object, not null");
            // runc refuses it too: a rule on no access at all says nothing.
            if (d.access() != null && d.access().isEmpty()) {
                throw new ConfigException(doc, here + ".access", "must not be empty: give a combination of r, w and m");
            }
        }
    }

    /**
     * intelRdt.closID names a directory under /sys/fs/resctrl: never a path of its own ("/" alone
     * is the root group, as runc takes it).
     */
    private static void checkClosId(String closId) {
        if (closId == null) return;
        if (closId.equals(".") || closId.equals("..") || (closId.length() > 1 && closId.contains("/"))) {
            fail("$.linux.intelRdt.closID", quote(closId)
                    + " is not a valid class of service name: it must not be \".\", \"..\" or contain '/'");
        }
    }

    /** A path the kernel would refuse with ENAMETOOLONG: longer than PATH_MAX, or a component longer than NAME_MAX. */
    static void checkPathLength(String path, String at, String doc) {
        if (path == null) return;
        long bytes = KernelLimits.cBytes(path);
        if (bytes > KernelLimits.PATH_MAX) {
            throw new ConfigException(doc, at, "is " + (bytes - 1) + " bytes long; a path takes at most "
                    + (KernelLimits.PATH_MAX - 1) + " bytes (PATH_MAX)");
        }
        int start = 0;
        for (int i = 0; i <= path.length(); i++) {
            if (i == path.length() || path.charAt(i) == '/') {
                if (i - start > KernelLimits.NAME_MAX / 3) {
                    long component = KernelLimits.utf8Length(path.substring(start, i));
                    if (component > KernelLimits.NAME_MAX) {
                        throw new ConfigException(doc, at, "has a component of " + component
                                + " bytes; a file name takes at most " + KernelLimits.NAME_MAX + " bytes (NAME_MAX)");
                    }
                }
                start = i + 1;
            }
        }
    }

    /** A value quoted for an error message, cut short when long: the message must stay readable. */
    static String quote(String s) {
        if (s == null) return "null";
        return "\"" + shorten(s) + "\"";
    }

    static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 60) + "…(" + s.length() + " characters)";
    }

    private static void fail(String path, String rule) {
        throw new ConfigException(DOC, path, rule);
    }
}
