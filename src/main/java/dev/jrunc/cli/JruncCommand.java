package dev.jrunc.cli;

import dev.jrunc.api.Jrunc;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.linux.Syscalls;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top-level command: runc's global options, then one verb (see {@link Verbs}). */
@Command(
        name = "jrunc",
        versionProvider = VersionProvider.class,
        description = "An OCI container runtime: turns a bundle (config.json + rootfs) into an isolated process.")
public final class JruncCommand {
    // Inherited: every verb takes -h/--help too, as with runc.
    @Option(names = {"-h", "--help"}, usageHelp = true, scope = ScopeType.INHERIT, description = "print the help and exit")
    boolean help;

    @Option(names = {"-v", "--version"}, versionHelp = true, description = "print the version and exit")
    boolean version;

    @Option(names = "--root", description = "directory for container state (default: /run/jrunc; rootless: $XDG_RUNTIME_DIR/jrunc)")
    Path root;

    @Option(names = "--log", description = "log file (default: stderr)")
    Path log;

    @Option(names = "--log-format", description = "log format: text or json (default: text)")
    String logFormat = "text";

    @Option(names = "--debug", description = "log debug information")
    boolean debug;

    @Option(names = "--systemd-cgroup", description = "the container's cgroup is a transient systemd unit (cgroupsPath is slice:prefix:name)")
    boolean systemdCgroup;

    @Option(names = "--rootless", arity = "0..1", fallbackValue = "true",
            description = "rootless mode: true, false or auto (default: auto, rootless when the effective uid is not 0)")
    String rootless;

    @Option(names = "--criu", hidden = true, description = "accepted for runc compatibility")
    String criu;

    @Option(names = "--engine", paramLabel = "auto|on|off",
            description = "run verbs in the resident engine (auto, the default: when it can be reached), "
                    + "only there (on), or in a JVM of their own (off); also JRUNC_ENGINE")
    String engine;

    /** Who invoked this verb: its environment, cwd, umask, stdio and process. */
    private Invocation invocation;

    void invocation(Invocation inv) {
        this.invocation = inv;
    }

    public Invocation invocation() {
        if (invocation == null) invocation = Invocation.directMode(Syscalls.linux());
        return invocation;
    }

    public Path log() {
        return log;
    }

    public String logFormat() {
        return logFormat;
    }

    public boolean debug() {
        return debug;
    }

    /**
     * The runtime for this invocation: --root (relative to the caller's cwd; default by
     * --rootless), --systemd-cgroup and --rootless.
     */
    Jrunc jrunc() {
        return Jrunc.builder().root(root).rootless(rootless).systemdCgroup(systemdCgroup).invocation(invocation()).build();
    }
}
