package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Guards for tests that touch this machine's real cgroup hierarchies. */
final class HostAssumptions {
    private HostAssumptions() {}

    static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0");
                }
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static CgroupLayout assumeRootWithV1(String... controllers) {
        assumeTrue(isRoot(), "needs root");
        CgroupLayout layout = CgroupLayout.detect();
        for (String c : controllers) {
            assumeTrue(layout.hasV1(c), "needs the v1 " + c + " controller");
        }
        return layout;
    }

    static String uniqueName() {
        return "jrunc-test-" + Long.toHexString(System.nanoTime() ^ ProcessHandle.current().pid());
    }
}
