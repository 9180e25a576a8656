package dev.jrunc.seccomp;

import java.util.List;

/**
 * A compiled seccomp filter.
 *
 * @param filter          struct sock_filter[] in little-endian byte order, 8 bytes per
 *                        instruction: u16 code, u8 jt, u8 jf, u32 k
 * @param flags           SECCOMP_FILTER_FLAG_* bits to pass to seccomp(SECCOMP_SET_MODE_FILTER)
 * @param needsListener   a rule uses SCMP_ACT_NOTIFY (flags then include NEW_LISTENER)
 * @param unknownSyscalls syscall names found in no listed architecture's table; they were skipped
 */
public record SeccompProgram(byte[] filter, int flags, boolean needsListener, List<String> unknownSyscalls) {

    public SeccompProgram {
        filter = filter.clone();
        unknownSyscalls = List.copyOf(unknownSyscalls);
    }

    @Override
    public byte[] filter() {
        return filter.clone();
    }

    /** Number of BPF instructions. */
    public int length() {
        return filter.length / 8;
    }
}
