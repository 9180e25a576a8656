package dev.jrunc.cli;

import dev.jrunc.JruncException;
import dev.jrunc.container.ContainerState;
import dev.jrunc.spec.SpecJson;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", aliases = "ls", description = "List the containers under --root.")
public final class ListCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Option(names = {"--format", "-f"}, description = "table or json (default: table)")
    String format = "table";

    @Option(names = {"--quiet", "-q"}, description = "print only the ids")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("table") && !format.equals("json")) {
            throw new JruncException("list: --format must be table or json, not \"" + format + "\"");
        }
        List<ContainerState> states = global.jrunc().list();
        PrintStream out = global.invocation().out();
        if (quiet) {
            states.forEach(s -> out.println(s.id()));
        } else if (format.equals("json")) {
            var array = SpecJson.mapper().createArrayNode();
            states.forEach(s -> array.add(s.toJson()));
            out.println(SpecJson.mapper().writeValueAsString(array));
        } else {
            printTable(out, states);
        }
        return 0;
    }

    private static void printTable(PrintStream out, List<ContainerState> states) {
        String fmt = "%-12s %-10s %-10s %-40s %-30s %s%n";
        out.printf(fmt, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
        for (ContainerState s : states) {
            out.printf(fmt, s.id(), s.pid(), s.status(), s.bundle(), s.created(), s.owner());
        }
    }
}
