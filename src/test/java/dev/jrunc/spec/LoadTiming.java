package dev.jrunc.spec;

import java.nio.file.Path;

/**
 * Start-up cost of reading a config in a fresh JVM: run with the test classpath and a config file,
 * e.g. {@code java -cp target/classes:target/test-classes:<deps> dev.jrunc.spec.LoadTiming podman-run.json}.
 * Prints parse+validate+bind time for the first (cold) and a second (warm) read.
 */
public final class LoadTiming {
    private LoadTiming() {}

    public static void main(String[] args) {
        Path config = Path.of(args[0]);
        long t0 = System.nanoTime();
        ConfigLoader.read(config);
        long t1 = System.nanoTime();
        ConfigLoader.read(config);
        long t2 = System.nanoTime();
        System.out.printf("cold read+validate+bind: %.1f ms%n", (t1 - t0) / 1e6);
        System.out.printf("warm read+validate+bind: %.1f ms%n", (t2 - t1) / 1e6);
    }
}
