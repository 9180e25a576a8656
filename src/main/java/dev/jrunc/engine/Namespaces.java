package dev.jrunc.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The namespaces in which paths, pids, sockets, ids and cgroup paths mean the same to the engine
 * and a caller: a front in other ones (a container's shell, another mount namespace) runs its verb
 * in direct mode instead.
 */
final class Namespaces {
    /** In the order the front lists them (native-helpers/front.c). */
    static final List<String> KINDS = List.of("mnt", "pid", "net", "user", "cgroup");

    private Namespaces() {}

    /** This process's namespaces, one "/proc/self/ns" link a line, as the front sends its own. */
    static String own() {
        StringBuilder b = new StringBuilder();
        for (String kind : KINDS) {
            try {
                b.append(Files.readSymbolicLink(Path.of("/proc/self/ns", kind))).append('\n');
            } catch (IOException | UnsupportedOperationException e) {
                b.append(kind).append(":?\n");
            }
        }
        return b.toString();
    }
}
