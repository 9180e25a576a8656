package dev.jrunc.spec;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** The `process` object of config.md; also the document `exec --process` reads. */
public record ProcessSpec(
        Boolean terminal,
        ConsoleSize consoleSize,
        User user,
        List<String> args,
        String commandLine,
        List<String> env,
        String cwd,
        Capabilities capabilities,
        List<Rlimit> rlimits,
        Boolean noNewPrivileges,
        String apparmorProfile,
        Integer oomScoreAdj,
        Scheduler scheduler,
        String selinuxLabel,
        IoPriority ioPriority,
        ExecCpuAffinity execCPUAffinity) {

    public record ConsoleSize(long height, long width) {}

    public record User(
            long uid, long gid, Integer umask, List<Long> additionalGids, String username) {}

    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> inheritable,
            List<String> permitted,
            List<String> ambient) {}

    public record Rlimit(String type, long soft, long hard) {}

    public record Scheduler(
            String policy,
            Integer nice,
            Integer priority,
            List<String> flags,
            Long runtime,
            Long deadline,
            Long period) {}

    public record IoPriority(@JsonProperty("class") String ioClass, int priority) {}

    public record ExecCpuAffinity(String initial, @JsonProperty("final") String finalCpus) {}

    public ProcessSpec withEnv(List<String> newEnv) {
        return new ProcessSpec(terminal, consoleSize, user, args, commandLine, newEnv, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity);
    }

    /**
     * The process `exec` runs: this one, with what it leaves out taken from the container's
     * process, as runc does for an exec'd process: capabilities, rlimits, scheduler, ioPriority,
     * execCPUAffinity, apparmorProfile, selinuxLabel and user.umask.
     */
    public ProcessSpec withDefaultsFrom(ProcessSpec container) {
        if (container == null) return this;
        User u = user;
        Integer containerUmask = container.user() == null ? null : container.user().umask();
        if (containerUmask != null && (u == null || u.umask() == null)) {
            u = u == null ? new User(0, 0, containerUmask, null, null)
                    : new User(u.uid(), u.gid(), containerUmask, u.additionalGids(), u.username());
        }
        return new ProcessSpec(terminal, consoleSize, u, args, commandLine, env, cwd,
                capabilities != null ? capabilities : container.capabilities(),
                rlimits != null && !rlimits.isEmpty() ? rlimits : container.rlimits(),
                noNewPrivileges,
                apparmorProfile != null && !apparmorProfile.isEmpty() ? apparmorProfile : container.apparmorProfile(),
                oomScoreAdj,
                scheduler != null ? scheduler : container.scheduler(),
                selinuxLabel != null && !selinuxLabel.isEmpty() ? selinuxLabel : container.selinuxLabel(),
                ioPriority != null ? ioPriority : container.ioPriority(),
                execCPUAffinity != null ? execCPUAffinity : container.execCPUAffinity());
    }

    public boolean isTerminal() {
        return Boolean.TRUE.equals(terminal);
    }

    public boolean isNoNewPrivileges() {
        return Boolean.TRUE.equals(noNewPrivileges);
    }

    public List<String> argsOrEmpty() {
        return args == null ? List.of() : args;
    }

    public List<String> envOrEmpty() {
        return env == null ? List.of() : env;
    }

    /** The environment the process gets: env with a repeated NAME given once, its last value (as runc). */
    public List<String> effectiveEnv() {
        return SemanticChecks.effectiveEnv(env);
    }
}
