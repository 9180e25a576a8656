package dev.jrunc.cli;

import dev.jrunc.container.ContainerRunner;
import dev.jrunc.container.RuntimeHome;
import dev.jrunc.linux.Syscalls;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", description = "Create and start a container; wait for it unless --detach.")
public final class RunCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Option(names = {"--bundle", "-b"}, description = "bundle directory (default: the current directory)")
    Path bundle = Path.of("");

    @Option(names = {"--detach", "-d"}, description = "do not wait for the container's process")
    boolean detach;

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

    @Option(names = "--keep", description = "do not delete the container after it exits")
    boolean keep;

    @Override
    public Integer call() {
        var options = CreateCommand.options(global, id, bundle, pidFile, consoleSocket, noPivot, noNewKeyring, preserveFds);
        return new ContainerRunner(Syscalls.linux(), global.store(), RuntimeHome.current()).run(options, detach, keep);
    }
}
