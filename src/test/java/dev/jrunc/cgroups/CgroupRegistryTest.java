package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry's lock as the resident engine takes it: from many verbs' threads of one JVM at once. */
class CgroupRegistryTest {
    @TempDir Path tmp;

    @Test
    void threadsOfOneJvmTakeTurnsOnTheLock() throws Exception {
        CgroupRegistry registry = new CgroupRegistry(tmp.resolve("registry"), CgroupFs.REAL);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                done.add(pool.submit(() -> registry.lockedRun(() -> {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    Thread.onSpinWait();
                    inside.decrementAndGet();
                })));
            }
            for (Future<?> f : done) f.get(); // an OverlappingFileLockException would surface here
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, most.get(), "one holder at a time");
    }
}
