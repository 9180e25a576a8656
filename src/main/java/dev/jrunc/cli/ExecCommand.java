package dev.jrunc.cli;

import dev.jrunc.JruncException;
import dev.jrunc.api.ExecOptions;
import dev.jrunc.api.Jrunc;
import dev.jrunc.cgroups.SubCgroups;
import dev.jrunc.process.ProcessSecurity;
import dev.jrunc.spec.ConfigLoader;
import dev.jrunc.spec.ProcessSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** `exec`: exit status of the process, or 255 when exec itself failed (runc's convention). */
@Command(name = "exec", description = "Run a new process in a running container.")
public final class ExecCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Parameters(index = "1..*", paramLabel = "<command>", description = "the program and its arguments")
    List<String> command = new ArrayList<>();

    @Option(names = {"--process", "-p"}, description = "a runtime-spec process JSON file")
    Path processFile;

    @Option(names = {"--env", "-e"}, description = "set an environment variable (KEY=VALUE)")
    List<String> env = new ArrayList<>();

    @Option(names = "--cwd", description = "working directory in the container")
    String cwd;

    @Option(names = {"--user", "-u"}, description = "uid[:gid]")
    String user;

    @Option(names = {"--additional-gids", "-g"}, description = "an additional group id")
    List<Long> additionalGids = new ArrayList<>();

    @Option(names = {"--cap", "-c"}, description = "add a capability")
    List<String> caps = new ArrayList<>();

    @Option(names = "--no-new-privs", description = "set no_new_privs")
    boolean noNewPrivs;

    @Option(names = {"--tty", "-t"}, description = "allocate a pseudo-terminal")
    boolean tty;

    @Option(names = "--console-socket", description = "AF_UNIX socket that receives the pty master")
    String consoleSocket;

    @Option(names = {"--detach", "-d"}, description = "do not wait for the process")
    boolean detach;

    @Option(names = "--pid-file", description = "write the process's pid here")
    Path pidFile;

    @Option(names = "--preserve-fds", description = "pass fds 3 .. 3+N-1 to the process")
    int preserveFds;

    @Option(names = "--ignore-paused", description = "exec even if the container is paused")
    boolean ignorePaused;

    @Option(names = "--process-label", description = "the SELinux label of the process (process.selinuxLabel)")
    String processLabel;

    @Option(names = "--apparmor", description = "the AppArmor profile of the process (process.apparmorProfile)")
    String apparmor;

    @Option(names = "--cgroup", description = "run the process in an existing sub-cgroup: [controller[,controller]:]path")
    List<String> cgroup = new ArrayList<>();

    @Override
    public Integer call() {
        Jrunc jrunc = global.jrunc();
        if (processFile != null && !command.isEmpty()) {
            throw new JruncException("exec: give either --process or a command, not both");
        }
        ProcessSpec process = processFile != null ? fromFile(global.invocation().resolve(processFile)) : fromFlags(jrunc);
        var result = jrunc.exec(id, process,
                new ExecOptions(consoleSocket, detach, pidFile, preserveFds, ignorePaused, SubCgroups.parse(cgroup)));
        return result.exitStatus().orElse(0);
    }

    /** The process document, its last-stage attributes checked naming their path in it. */
    private static ProcessSpec fromFile(Path file) {
        ProcessSpec process = ConfigLoader.loadProcess(file);
        String doc = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        ProcessSecurity.checkAttributes(process, doc, "$", ProcessSecurity.host());
        return process;
    }

    /** runc's argv form: the container's process, with the command and the flags laid over it. */
    private ProcessSpec fromFlags(Jrunc jrunc) {
        if (command.isEmpty()) throw new JruncException("exec: a command is required (or --process FILE)");
        ProcessSpec base = jrunc.process(id);
        if (base == null) {
            // a container created without a process: runc's defaults for what the flags leave out
            base = new ProcessSpec(false, null, null, List.of(), null, List.of(), "/", null, null, false, null, null,
                    null, null, null, null);
        }
        Map<String, String> vars = new LinkedHashMap<>();
        for (String e : base.envOrEmpty()) vars.put(e.substring(0, Math.max(0, e.indexOf('='))), e);
        for (String e : env) vars.put(e.substring(0, Math.max(0, e.indexOf('='))), e.contains("=") ? e : e + "=");
        ProcessSpec.User u = base.user();
        if (user != null) {
            String[] parts = user.split(":", 2);
            try {
                long uid = Long.parseLong(parts[0]);
                long gid = parts.length > 1 ? Long.parseLong(parts[1]) : 0;
                u = new ProcessSpec.User(uid, gid, u == null ? null : u.umask(), null, null);
            } catch (NumberFormatException e) {
                throw new JruncException("exec: --user must be uid[:gid] in numbers, not \"" + user + "\"");
            }
        }
        if (!additionalGids.isEmpty()) {
            u = u == null ? new ProcessSpec.User(0, 0, null, additionalGids, null)
                    : new ProcessSpec.User(u.uid(), u.gid(), u.umask(), additionalGids, u.username());
        }
        ProcessSpec.Capabilities c = base.capabilities();
        if (!caps.isEmpty()) {
            c = new ProcessSpec.Capabilities(plus(c == null ? null : c.bounding(), caps),
                    plus(c == null ? null : c.effective(), caps), c == null ? null : c.inheritable(),
                    plus(c == null ? null : c.permitted(), caps),
                    c != null && c.inheritable() != null ? plus(c.ambient(), caps) : (c == null ? null : c.ambient()));
        }
        boolean profile = apparmor != null && !apparmor.isEmpty();
        boolean label = processLabel != null && !processLabel.isEmpty();
        if (profile || label) {
            ProcessSecurity.Host host = ProcessSecurity.host();
            if (profile && !host.appArmor()) {
                throw new JruncException("exec: --apparmor: cannot apply AppArmor profile \"" + apparmor
                        + "\": AppArmor is not enabled on this host");
            }
            if (label && !host.selinux()) {
                throw new JruncException("exec: --process-label: SELinux is disabled or not supported on this host");
            }
        }
        return new ProcessSpec(tty, tty ? base.consoleSize() : null, u, command, null, new ArrayList<>(vars.values()),
                cwd != null ? cwd : base.cwd(), c, base.rlimits(), noNewPrivs || base.isNoNewPrivileges(),
                profile ? apparmor : base.apparmorProfile(), base.oomScoreAdj(),
                base.scheduler(), label ? processLabel : base.selinuxLabel(),
                base.ioPriority(), base.execCPUAffinity());
    }

    private static List<String> plus(List<String> list, List<String> extra) {
        List<String> out = list == null ? new ArrayList<>() : new ArrayList<>(list);
        for (String e : extra) {
            String name = e.startsWith("CAP_") ? e : "CAP_" + e;
            if (!out.contains(name)) out.add(name);
        }
        return out;
    }
}
