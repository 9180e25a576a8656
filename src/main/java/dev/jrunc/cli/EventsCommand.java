package dev.jrunc.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jrunc.JruncException;
import dev.jrunc.api.Jrunc;
import dev.jrunc.container.Status;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.spec.SpecJson;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * runc events: one JSON object per line, {"type":"stats","id":ID,"data":{...}} every --interval
 * and {"type":"oom","id":ID} whenever the OOM killer killed a process of the container, until the
 * container stops; with --stats, one stats object and exit.
 */
@Command(name = "events", description = "Print a container's resource usage and OOM events as JSON lines.")
public final class EventsCommand implements Callable<Integer> {
    /** How often OOM kills and the container's status are checked between stats. */
    private static final long POLL_MS = 100;

    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Option(names = "--interval", description = "time between stats events, e.g. 5s, 500ms (default: 5s)")
    String interval = "5s";

    @Option(names = "--stats", description = "print the container's stats once and exit")
    boolean stats;

    @Override
    public Integer call() {
        long intervalMs = durationMillis(interval);
        Jrunc.Monitor cg = global.jrunc().monitor(id);
        Invocation inv = global.invocation();
        PrintStream out = inv.out();
        if (stats) {
            out.println(statsEvent(cg));
            out.flush();
            return 0;
        }
        long oomSeen = oomCount(cg);
        long nextStats = System.nanoTime() + intervalMs * 1_000_000;
        while (true) {
            long oom = oomCount(cg);
            for (; oomSeen < oom; oomSeen++) {
                out.println(event("oom").toString());
            }
            out.flush();
            if (inv.caller().gone() || out.checkError()) break; // no one reads the events any more
            Status status;
            try {
                status = cg.status();
            } catch (RuntimeException e) {
                break; // the container was deleted meanwhile
            }
            if (status == Status.STOPPED) break;
            if (System.nanoTime() - nextStats >= 0) {
                try {
                    out.println(statsEvent(cg));
                } catch (RuntimeException e) {
                    break; // cgroup gone: the container was deleted
                }
                out.flush();
                nextStats += intervalMs * 1_000_000;
            }
            long sleep = Math.max(1, Math.min(POLL_MS, (nextStats - System.nanoTime()) / 1_000_000));
            try {
                Thread.sleep(sleep);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        out.flush();
        return 0;
    }

    private static long oomCount(Jrunc.Monitor cg) {
        try {
            return cg.oomKills();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private ObjectNode event(String type) {
        ObjectNode e = SpecJson.mapper().createObjectNode();
        e.put("type", type);
        e.put("id", id);
        return e;
    }

    /** runc's types.Stats shape; memory also carries oom_kill, the OOM killer's count for the cgroup. */
    String statsEvent(Jrunc.Monitor cg) {
        ObjectMapper m = SpecJson.mapper();
        ObjectNode data = m.valueToTree(cg.stats());
        if (data.get("memory") instanceof ObjectNode mem) {
            mem.put("oom_kill", oomCount(cg));
        }
        if (data.get("hugetlb") == null || data.get("hugetlb").isNull()) {
            data.putObject("hugetlb");
        }
        data.putObject("intel_rdt");
        data.putNull("network_interfaces");
        ObjectNode e = event("stats");
        e.set("data", data);
        return e.toString();
    }

    private static final Pattern DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    /** A Go time.Duration string ("5s", "1m30s", "250ms"), in milliseconds (at least 1). */
    static long durationMillis(String s) {
        if (s == null || s.isEmpty()) throw new JruncException("--interval: empty duration");
        Matcher m = DURATION_PART.matcher(s);
        double nanos = 0;
        int pos = 0;
        while (pos < s.length()) {
            if (!m.find(pos) || m.start() != pos) {
                if (s.equals("0")) return 1;
                throw new JruncException("--interval: invalid duration \"" + s + "\" (e.g. 5s, 500ms, 1m)");
            }
            double v = Double.parseDouble(m.group(1));
            nanos += v * switch (m.group(2)) {
                case "ns" -> 1d;
                case "us", "µs" -> 1e3;
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            pos = m.end();
        }
        if (nanos <= 0) throw new JruncException("--interval: duration must be greater than 0");
        return Math.max(1, (long) (nanos / 1e6));
    }
}
