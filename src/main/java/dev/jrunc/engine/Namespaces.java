package dev.jrunc.engine;

import static dev.jrunc.namespaces.NamespaceKind.CGROUP;
import static dev.jrunc.namespaces.NamespaceKind.MOUNT;
import static dev.jrunc.namespaces.NamespaceKind.NETWORK;
import static dev.jrunc.namespaces.NamespaceKind.PID;
import static dev.jrunc.namespaces.NamespaceKind.USER;

import dev.jrunc.namespaces.NamespaceKind;
import java.util.List;

/**
 * The namespaces in which paths, pids, sockets, ids and cgroup paths mean the same to the engine
 * and a caller: a front in other ones (a container's shell, another mount namespace) runs its verb
 * in direct mode instead.
 */
final class Namespaces {
    /** In the order the front lists them (native-helpers/front.c). */
    static final List<NamespaceKind> KINDS = List.of(MOUNT, PID, NETWORK, USER, CGROUP);

    private Namespaces() {}

    /** This process's namespaces, one "/proc/self/ns" link a line, as the front sends its own. */
    static String own() {
        StringBuilder b = new StringBuilder();
        for (NamespaceKind kind : KINDS) {
            String link = kind.ownLink();
            b.append(link != null ? link : kind.procName() + ":?").append('\n');
        }
        return b.toString();
    }
}
