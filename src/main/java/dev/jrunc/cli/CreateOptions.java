package dev.jrunc.cli;

import dev.jrunc.container.ContainerCreator;
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

    ContainerCreator.Options toOptions(JruncCommand global) {
        return new ContainerCreator.Options(id, bundle, pidFile, consoleSocket, noPivot, noNewKeyring, preserveFds,
                global.systemdCgroup, global.rootless(), global.caller());
    }
}
