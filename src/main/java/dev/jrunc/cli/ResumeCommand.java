package dev.jrunc.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "resume", description = "Resume every process of a paused container (thaw its cgroup).")
public final class ResumeCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Override
    public Integer call() {
        global.jrunc().resume(id);
        return 0;
    }
}
