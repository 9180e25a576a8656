package dev.jrunc.cli;

import dev.jrunc.container.Features;
import dev.jrunc.spec.SpecJson;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "features", description = "Print what this jrunc supports, as runtime-spec features.json.")
public final class FeaturesCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Override
    public Integer call() throws Exception {
        global.invocation().out().println(SpecJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(Features.current()));
        return 0;
    }
}
