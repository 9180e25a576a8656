package dev.jrunc.api;

import java.util.OptionalInt;

/**
 * A process started in a container.
 *
 * @param pid its pid on the host
 * @param exitStatus the shell's way (code, or 128 + signal), when it was waited for
 */
public record ExecResult(int pid, OptionalInt exitStatus) {}
