package dev.jrunc.init;

import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.SpecJson;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Entry point of the init JVM the native helper starts inside the container's namespaces.
 * argv: the sync socket's fd number, then that of jrunc's log directory (-1: none). Every
 * failure goes back over the socket as "ERROR text".
 */
public final class InitMain {
    private InitMain() {}

    public static void main(String[] args) {
        Syscalls sys = Syscalls.linux();
        SyncSocket sync = new SyncSocket(sys, Integer.parseInt(args[0]));
        int logDir = args.length > 1 ? Integer.parseInt(args[1]) : -1;
        try {
            // The runtime's working directory is often the bundle: a crash report of this JVM
            // must not land there.
            if (logDir >= 0) sys.fchdir(logDir);
            // What the runtime opened on the host for us (exec fifo, sealed helper, bind sources), then the plan.
            java.util.Map<Integer, Integer> bindSources = new java.util.HashMap<>();
            java.util.Map<Integer, Integer> detachedMounts = new java.util.HashMap<>();
            int fifoDir = -1;
            int helper = -1;
            SyncSocket.Message m = sync.receive();
            while (m != null && !m.word().equals("PLAN")) {
                switch (m.word()) {
                    case "MOUNTFD" -> bindSources.put(Integer.parseInt(m.text().trim()), sync.takeFd());
                    case "TREEFD" -> detachedMounts.put(Integer.parseInt(m.text().trim()), sync.takeFd());
                    case "FIFODIR" -> fifoDir = sync.takeFd();
                    case "HELPERFD" -> helper = sync.takeFd();
                    default -> throw new dev.jrunc.JruncException("unexpected " + m.word() + " before PLAN");
                }
                m = sync.receive();
            }
            if (m == null || !m.word().equals("PLAN")) {
                throw new dev.jrunc.JruncException("expected PLAN on the sync socket, got " + (m == null ? "nothing" : m.word()));
            }
            InitPlan plan = SpecJson.mapper().readValue(m.payload(), InitPlan.class);
            new ContainerInit(sys, plan, w -> sync.send("WARN", w.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .bindSources(bindSources)
                    .detachedMounts(detachedMounts)
                    .onCreated(paths -> {
                        if (!paths.isEmpty()) sync.send("MADE", SpecJson.toJson(paths).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    })
                    .passedFds(fifoDir, helper)
                    .logDir(logDir)
                    .run(sync);
        } catch (Throwable t) {
            String msg = t.getMessage() == null ? t.toString() : t.getMessage();
            if (!(t instanceof dev.jrunc.JruncException)) {
                StringWriter sw = new StringWriter();
                t.printStackTrace(new PrintWriter(sw));
                msg = msg + "\n" + sw;
            }
            try {
                sync.send("ERROR", msg.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } catch (RuntimeException ignored) {
                // the runtime is gone; nobody to tell
            }
            Runtime.getRuntime().halt(1);
        }
    }
}
