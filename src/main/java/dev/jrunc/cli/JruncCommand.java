package dev.jrunc.cli;

import dev.jrunc.container.Caller;
import dev.jrunc.container.StateStore;
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

    public Path log() {
        return log;
    }

    public String logFormat() {
        return logFormat;
    }

    public boolean debug() {
        return debug;
    }

    private Caller caller;

    /** Who runs this verb: the seam through which the effective ids and the environment are read. */
    Caller caller() {
        if (caller == null) caller = Caller.current();
        return caller;
    }

    /** Whether this invocation runs rootless (--rootless, else whether the effective uid is 0). */
    boolean rootless() {
        return caller().rootless(rootless);
    }

    StateStore store() {
        Path dir = root != null ? root : caller().defaultStateRoot(rootless());
        // Read only by the verbs that make or remove cgroups (the ids are not read otherwise).
        return new StateStore(dir, Syscalls.linux()).cgroupRegistry(() -> caller().cgroupRegistryDir(rootless()));
    }
}
