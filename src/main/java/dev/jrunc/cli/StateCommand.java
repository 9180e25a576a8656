package dev.jrunc.cli;

import dev.jrunc.spec.SpecJson;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "state", description = "Print a container's state as JSON.")
public final class StateCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Override
    public Integer call() throws Exception {
        var state = global.jrunc().state(id);
        // runc prints json.MarshalIndent(state, "", "  "): "key": value, two-space indents.
        global.invocation().out().println(SpecJson.toJson(state.toJson(), "  "));
        return 0;
    }
}
