package dev.jrunc.process;

import dev.jrunc.namespaces.NamespaceKind;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.LinuxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * linux.sysctl: only namespaced keys, and only when the container has the namespace that owns
 * them (runc's rules): IPC keys need an IPC namespace, net.* a network namespace other than the
 * runtime's own, kernel.domainname a UTS namespace; kernel.hostname conflicts with $.hostname.
 */
public final class Sysctls {
    private static final Set<String> IPC_KEYS = Set.of(
            "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
            "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced");

    private Sysctls() {}

    /** Throws a ConfigException naming the first key the container may not set. */
    public static void check(LinuxSpec linux) {
        if (linux == null) return;
        Boolean hostNet = null;
        for (String raw : linux.sysctlOrEmpty().keySet()) {
            String key = dotted(raw);
            String at = "$.linux.sysctl[\"" + raw + "\"]";
            if (key.isEmpty() || key.contains("..") || raw.startsWith("/") || raw.startsWith(".") || !staysInProcSys(raw)) {
                throw new ConfigException("config.json", at, "invalid sysctl key");
            }
            if (IPC_KEYS.contains(key) || key.startsWith("fs.mqueue.")) {
                if (!linux.hasNamespace("ipc")) {
                    throw new ConfigException("config.json", at, "sysctl \"" + key
                            + "\" is not allowed in the host's IPC namespace (add an ipc namespace)");
                }
                continue;
            }
            if (key.startsWith("net.")) {
                if (hostNet == null) hostNet = usesHostNetwork(linux);
                if (hostNet) {
                    throw new ConfigException("config.json", at, "sysctl \"" + key
                            + "\" is not allowed in the host's network namespace");
                }
                continue;
            }
            if (linux.hasNamespace("uts")) {
                if (key.equals("kernel.domainname")) continue;
                if (key.equals("kernel.hostname")) {
                    throw new ConfigException("config.json", at,
                            "sysctl \"kernel.hostname\" is not allowed: it conflicts with $.hostname");
                }
            }
            throw new ConfigException("config.json", at, "sysctl \"" + key + "\" is not in a separate kernel namespace");
        }
    }

    /**
     * runc's convention: a key whose first separator is '/' is in slash form, and its dots are
     * part of names ("net/ipv4/conf/eno2.100/rp_filter"); the dotted form swaps '.' and '/'.
     */
    public static String dotted(String key) {
        int dot = key.indexOf('.');
        int slash = key.indexOf('/');
        if (slash < 0 || (dot >= 0 && dot < slash)) return key;
        StringBuilder b = new StringBuilder(key.length());
        for (char c : key.toCharArray()) b.append(c == '.' ? '/' : c == '/' ? '.' : c);
        return b.toString();
    }

    /** The file under /proc/sys for a key in either form. */
    public static String procPath(String key) {
        return "/proc/sys/" + dotted(key).replace('/', '\u0000').replace('.', '/').replace('\u0000', '.');
    }

    /** Every component of the key's /proc/sys path is a real name: no "", "." or "..". */
    static boolean staysInProcSys(String key) {
        String rel = procPath(key).substring("/proc/sys/".length());
        for (String c : rel.split("/", -1)) {
            if (c.isEmpty() || c.equals(".") || c.equals("..")) return false;
        }
        return true;
    }

    private static boolean usesHostNetwork(LinuxSpec linux) {
        for (LinuxSpec.Namespace ns : linux.namespacesOrEmpty()) {
            if (!ns.type().equals(NamespaceKind.NETWORK.specName())) continue;
            if (ns.path() == null || ns.path().isEmpty()) return false;
            try {
                Map<String, Object> a = Files.readAttributes(NamespaceKind.NETWORK.ownPath(), "unix:dev,ino");
                Map<String, Object> b = Files.readAttributes(Path.of(ns.path()), "unix:dev,ino");
                return a.get("dev").equals(b.get("dev")) && a.get("ino").equals(b.get("ino"));
            } catch (IOException e) {
                throw new ConfigException("config.json", "$.linux.namespaces", "network namespace path "
                        + ns.path() + ": " + e.getMessage());
            }
        }
        return true;
    }
}
