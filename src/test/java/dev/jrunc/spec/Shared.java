package dev.jrunc.spec;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Locates reference material: the upstream runtime-spec schema test documents in the shared
 * reference folder (-Djrunc.shared, else ../shared, else /work/shared), and the engine configs
 * kept in conformance/fixtures.
 */
final class Shared {
    private Shared() {}

    static Path dir() {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("jrunc.shared");
        if (prop != null) candidates.add(Path.of(prop));
        candidates.add(Path.of(System.getProperty("user.dir")).resolve("../shared"));
        candidates.add(Path.of("/work/shared"));
        for (Path p : candidates) {
            if (Files.isDirectory(p.resolve("oci-spec-upstream"))) {
                return p.normalize();
            }
        }
        assumeTrue(false, "shared reference folder not found; tried " + candidates);
        return null;
    }

    static Path upstream() {
        return dir().resolve("oci-spec-upstream");
    }

    /** A config.json an engine generated, from the project's own copies. */
    static Path engineConfig(String name) {
        return Path.of(System.getProperty("jrunc.fixtures", "conformance/fixtures"), "engine-configs", name);
    }
}
