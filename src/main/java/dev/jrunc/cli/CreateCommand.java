package dev.jrunc.cli;

import dev.jrunc.container.ContainerCreator;
import dev.jrunc.container.RuntimeHome;
import dev.jrunc.linux.Syscalls;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "create", description = "Create a container from a bundle; its process waits for `start`.")
public final class CreateCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

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

    static ContainerCreator.Options options(JruncCommand g, String id, Path bundle, Path pidFile, String console,
            boolean noPivot, boolean noNewKeyring, int preserveFds) {
        return new ContainerCreator.Options(id, bundle, pidFile, console, noPivot, noNewKeyring, preserveFds,
                g.systemdCgroup);
    }

    @Override
    public Integer call() {
        new ContainerCreator(Syscalls.linux(), global.store(), RuntimeHome.current())
                .create(options(global, id, bundle, pidFile, consoleSocket, noPivot, noNewKeyring, preserveFds));
        return 0;
    }
}
