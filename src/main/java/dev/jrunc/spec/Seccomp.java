package dev.jrunc.spec;

import java.util.List;

/** linux.seccomp of config-linux.md. Argument values are uint64 carried in a long's bits. */
public record Seccomp(
        String defaultAction,
        Integer defaultErrnoRet,
        List<String> architectures,
        List<String> flags,
        String listenerPath,
        String listenerMetadata,
        List<Syscall> syscalls) {

    public record Syscall(List<String> names, String action, Integer errnoRet, List<Arg> args) {}

    /** op: SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ. */
    public record Arg(int index, long value, long valueTwo, String op) {}
}
