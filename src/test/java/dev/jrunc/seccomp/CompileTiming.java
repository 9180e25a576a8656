package dev.jrunc.seccomp;

import dev.jrunc.spec.Seccomp;
import java.lang.management.ManagementFactory;

/**
 * Cold-start cost of compiling a profile: run in a fresh JVM.
 *
 * <pre>
 * java -cp target/classes:target/test-classes:JACKSON_JARS dev.jrunc.seccomp.CompileTiming [config-file-name]
 * </pre>
 */
public final class CompileTiming {
    public static void main(String[] args) throws Exception {
        String file = args.length > 0 ? args[0] : "podman-run.json";
        long t0 = System.nanoTime();
        Seccomp s = EngineProfilesTest.load(file);
        long t1 = System.nanoTime();
        SeccompProgram p = new SeccompCompiler().compile(s);
        long t2 = System.nanoTime();
        SeccompProgram again = new SeccompCompiler().compile(s);
        long t3 = System.nanoTime();
        System.out.printf("%s: parse %.1f ms, first compile (cold) %.1f ms, second compile %.2f ms,"
                        + " %d instructions, JVM uptime at end %d ms%n",
                file, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, p.length() + again.length() - p.length(),
                ManagementFactory.getRuntimeMXBean().getUptime());
    }
}
