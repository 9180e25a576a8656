package dev.jrunc.namespaces;

import dev.jrunc.linux.Errno;
import dev.jrunc.linux.SyscallException;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.LinuxSpec;
import java.util.List;

/**
 * The namespaces a config joins by path ({@code linux.namespaces[].path}), checked before anything
 * is made: each path must open, and be a namespace of its entry's type. The helper's setns(2)
 * would refuse the same with a bare EINVAL, once the container's cgroup and state exist, and
 * without naming the entry.
 */
public final class JoinedNamespaces {
    private JoinedNamespaces() {}

    public static void check(Syscalls sys, LinuxSpec linux) {
        List<LinuxSpec.Namespace> nss = linux == null ? List.of() : linux.namespacesOrEmpty();
        for (int i = 0; i < nss.size(); i++) {
            LinuxSpec.Namespace ns = nss.get(i);
            if (ns.path() == null || ns.path().isEmpty()) continue;
            String at = "$.linux.namespaces[" + i + "].path";
            NamespaceKind want = NamespaceKind.ofSpecName(ns.type(), "$.linux.namespaces[" + i + "].type");
            long type;
            try {
                type = sys.namespaceType(ns.path());
            } catch (SyscallException e) {
                throw new ConfigException("config.json", at, e.errno() == Errno.ENOTTY
                        ? ns.path() + " is not a namespace"
                        : "cannot open " + ns.path() + ": " + Errno.describe(e.errno()), e);
            }
            if (type != want.cloneFlag()) {
                String is = NamespaceKind.byCloneFlag(type).map(NamespaceKind::specName).orElse("0x" + Long.toHexString(type));
                throw new ConfigException("config.json", at, ns.path() + " is a namespace of type " + is + ", not " + want.specName());
            }
        }
    }
}
