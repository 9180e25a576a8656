package dev.jrunc.cli;

import dev.jrunc.JruncException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * runc ps: the container's processes. json prints the host pids as a JSON array (what
 * containerd reads); table runs the host's ps with the given options (default -ef) and keeps
 * the header and the rows whose PID column is one of the container's.
 */
@Command(name = "ps", description = "List the processes of a container: ps [--format table|json] <container-id> [ps options]")
public final class PsCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Option(names = {"--format", "-f"}, description = "table (default) or json")
    String format = "table";

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Parameters(index = "1..*", paramLabel = "<ps-option>", description = "options for ps(1) (default: -ef)")
    List<String> psArgs = new ArrayList<>();

    /** ps options that look like jrunc options; the order comes from {@link #argsAfterId}. */
    @Unmatched List<String> unmatched = new ArrayList<>();

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("table") && !format.equals("json")) {
            throw new JruncException("ps: invalid format option \"" + format + "\" (table or json)");
        }
        Set<Long> pids = global.jrunc().ps(id);
        PrintStream out = global.invocation().out();
        if (format.equals("json")) {
            out.println(pids.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]")));
            return 0;
        }
        List<String> args = argsAfterId();
        if (args.isEmpty()) args.add("-ef");
        table(out, pids, args);
        return 0;
    }

    /** Everything after the container id, as given: like runc, the options there belong to ps. */
    private List<String> argsAfterId() {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        int ps = all.indexOf("ps");
        int i = ps + 1;
        while (i < all.size()) {
            String a = all.get(i);
            if (a.equals("--format") || a.equals("-f")) {
                i += 2;
            } else if (a.startsWith("--format=") || (a.startsWith("-f") && a.length() > 2 && !a.equals("-ef"))) {
                i++;
            } else {
                break; // the id
            }
        }
        if (i >= all.size() || !all.get(i).equals(id)) {
            List<String> out = new ArrayList<>(psArgs);
            out.addAll(unmatched);
            return out;
        }
        return new ArrayList<>(all.subList(i + 1, all.size()));
    }

    private static void table(PrintStream out, Set<Long> pids, List<String> psArgs) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("ps");
        cmd.addAll(psArgs);
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            // no ps(1) on this host: a minimal table from /proc
            out.println("PID CMD");
            for (long pid : pids) out.println(pid + " " + cmdline(pid));
            return;
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) {
            throw new JruncException("ps " + String.join(" ", psArgs) + ": exit status " + rc + ": " + output.strip());
        }
        String[] lines = output.split("\n");
        if (lines.length == 0 || lines[0].isBlank()) return;
        int pidIndex = List.of(lines[0].trim().split("\\s+")).indexOf("PID");
        if (pidIndex < 0) throw new JruncException("ps: couldn't find PID field in ps output");
        out.println(lines[0]);
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length <= pidIndex) continue;
            try {
                if (pids.contains(Long.parseLong(f[pidIndex]))) out.println(lines[i]);
            } catch (NumberFormatException e) {
                throw new JruncException("ps: unexpected pid \"" + f[pidIndex] + "\" in ps output");
            }
        }
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ').strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
