package dev.jrunc.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What `create` and `run` both take: the id, the bundle and runc's create flags. */
public final class CreateOptions {
    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Option(names = {"--bundle", "-b"}, description = "bundle directory (default: the current directory)")
    Path bundle = Path.of("");

    @Option(names = "--pid-file", description = "write the container process's pid here")
    Path pidFile;

    @Option(names = "--console-socket", description = "AF_UNIX socket that receives the pty master")
    String consoleSocket;

    @Option(names = "--no-pivot", description = "use chroot instead of pivot_root")
    boolean noPivot;

    @Option(names = "--no-new-keyring", description = "keep the caller's session keyring")
    boolean noNewKeyring;

    @Option(names = "--preserve-fds", description = "pass fds 3 .. 3+N-1 to the container")
    int preserveFds;

    dev.jrunc.api.CreateOptions toOptions() {
        return new dev.jrunc.api.CreateOptions(pidFile, consoleSocket, noPivot, noNewKeyring, preserveFds);
    }
}
