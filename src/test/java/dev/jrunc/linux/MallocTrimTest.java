package dev.jrunc.linux;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** The resident engine trims the C heap when idle: the binding must really release freed memory. */
class MallocTrimTest {
    @Test
    void freedCHeapIsGivenBack() {
        Syscalls sys = Syscalls.linux();
        sys.mallocTrim(); // start from a trimmed heap
        try (Arena fence = Arena.ofConfined()) {
            try (Arena many = Arena.ofConfined()) {
                for (int i = 0; i < 20_000; i++) many.allocate(1024).fill((byte) 1);
                // allocated after them, so the freed ones are not at the top of the heap, where
                // free() itself would give them back
                fence.allocate(1024).fill((byte) 1);
            }
            assertTrue(sys.mallocTrim(), "malloc_trim released the 20 MB freed in the middle of the heap");
        }
    }
}
