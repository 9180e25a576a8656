package dev.jrunc.init;

import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.SpecJson;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Entry point of the init JVM the native helper starts inside the container's namespaces.
 * argv: the sync socket's fd number, then that of jrunc's log directory (-1: none). Every
 * failure goes back over the socket as {@link SyncMessage#ERROR}.
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
            while (m != null && m.kind() != SyncMessage.PLAN) {
                switch (m.kind()) {
                    case MOUNTFD -> bindSources.put(Integer.parseInt(m.text().trim()), sync.takeFd());
                    case TREEFD -> detachedMounts.put(Integer.parseInt(m.text().trim()), sync.takeFd());
                    case FIFODIR -> fifoDir = sync.takeFd();
                    case HELPERFD -> helper = sync.takeFd();
                    default -> throw new SyncProtocolException("unexpected " + m.kind().word() + " before PLAN");
                }
                m = sync.receive();
            }
            if (m == null) throw new dev.jrunc.JruncException("expected PLAN on the sync socket, got nothing");
            InitPlan plan = SpecJson.mapper().readValue(m.payload(), InitPlan.class);
            new ContainerInit(sys, plan, w -> sync.send(SyncMessage.WARN, w))
                    .bindSources(bindSources)
                    .detachedMounts(detachedMounts)
                    .onCreated(paths -> {
                        if (!paths.isEmpty()) sync.send(SyncMessage.MADE, SpecJson.toJson(paths));
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
                sync.send(SyncMessage.ERROR, msg);
            } catch (RuntimeException ignored) {
                // the runtime is gone; nobody to tell
            }
            Runtime.getRuntime().halt(1);
        }
    }
}
