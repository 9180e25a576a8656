package dev.jrunc.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;

/** FFM plumbing shared by the bindings: libc lookup, errno capture, C strings. */
final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
    static final java.lang.foreign.AddressLayout C_POINTER = ValueLayout.ADDRESS;

    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private Native() {}

    /** A libc function whose errno is captured; the handle takes the capture segment first. */
    static MethodHandle libc(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd, CAPTURE);
    }

    /** A variadic libc function (syscall, prctl, open) with the fixed arguments counted by firstVariadic. */
    static MethodHandle variadic(String name, FunctionDescriptor fd, int firstVariadic) {
        return LINKER.downcallHandle(
                find(name), fd, CAPTURE, Linker.Option.firstVariadicArg(firstVariadic));
    }

    /** A libc function that reports errors through its return value, not errno. */
    static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd);
    }

    private static MemorySegment find(String name) {
        return LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    static MemorySegment errnoState(Arena arena) {
        return arena.allocate(STATE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static MemorySegment cstr(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }

    /** A NULL-terminated char*[] as execve and posix_spawn take it. */
    static MemorySegment cstrArray(Arena arena, List<String> items) {
        MemorySegment array = arena.allocate(C_POINTER, items.size() + 1L);
        for (int i = 0; i < items.size(); i++) {
            array.setAtIndex(C_POINTER, i, arena.allocateFrom(items.get(i)));
        }
        array.setAtIndex(C_POINTER, items.size(), MemorySegment.NULL);
        return array;
    }
}
