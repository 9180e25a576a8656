package dev.jrunc.api;

import dev.jrunc.JruncException;
import dev.jrunc.cgroups.CgroupStats;
import dev.jrunc.container.Container;
import dev.jrunc.container.CallerIdentity;
import dev.jrunc.container.ContainerCreator;
import dev.jrunc.container.ContainerExec;
import dev.jrunc.container.ContainerNotFoundException;
import dev.jrunc.container.ContainerRecord;
import dev.jrunc.container.ContainerRunner;
import dev.jrunc.container.ContainerState;
import dev.jrunc.container.RuntimeHome;
import dev.jrunc.container.StateStore;
import dev.jrunc.container.Status;
import dev.jrunc.hooks.HookRunner;
import dev.jrunc.invocation.Invocation;
import dev.jrunc.invocation.LocalCaller;
import dev.jrunc.linux.Syscalls;
import dev.jrunc.spec.ProcessSpec;
import dev.jrunc.spec.Resources;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * jrunc as a Java library: the OCI runtime's verbs as methods, for one state directory (runc's
 * --root) and one caller. The command line and the resident engine both run their verbs through
 * it; a JVM-based engine or test harness can drive containers with it directly, with no process
 * start-up at all.
 *
 * <pre>{@code
 * Jrunc jrunc = Jrunc.builder().root(Path.of("/run/jrunc")).home(Path.of("/usr/local/lib/jrunc")).build();
 * jrunc.create("web", Path.of("/srv/bundles/web"), CreateOptions.DEFAULTS);
 * jrunc.start("web");
 * ContainerState s = jrunc.state("web");            // s.status() is "running"
 * jrunc.kill("web", 15, false);
 * jrunc.delete("web", true);
 * }</pre>
 *
 * <p>Errors are typed: {@link ContainerNotFoundException}, {@link dev.jrunc.container.ContainerExistsException},
 * {@link dev.jrunc.container.ContainerStatusException} (the status does not allow the verb),
 * {@link dev.jrunc.spec.ConfigException} (names the document and the JSON path of the bad field),
 * all {@link JruncException}s with a message fit for the user. Each call on one container takes
 * that container's lock, so calls from many threads (or processes) on the same id run one at a
 * time; calls on different containers run in parallel.
 */
public final class Jrunc {
    private final Syscalls sys;
    private final StateStore store;
    private final Path homeDir;
    private final boolean systemdCgroup;
    private final Invocation inv;
    private final CallerIdentity identity;
    private final boolean rootless;

    private Jrunc(Builder b) {
        this.sys = b.sys;
        this.inv = b.invocation != null ? b.invocation
                : Invocation.embedded(System.out, System.err, LocalCaller.embedded(b.sys, -1, -1, -1));
        this.identity = CallerIdentity.of(inv.pid(), inv::getenv);
        this.rootless = identity.rootless(b.rootless);
        Path root = b.root != null ? inv.resolve(b.root) : identity.defaultStateRoot(rootless);
        this.store = new StateStore(root, b.sys).cgroupRegistry(() -> identity.cgroupRegistryDir(rootless));
        this.homeDir = b.home;
        this.systemdCgroup = b.systemdCgroup;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How to build a {@link Jrunc}; everything but the home has a default. */
    public static final class Builder {
        private Path root;
        private String rootless;
        private Path home;
        private boolean systemdCgroup;
        private Invocation invocation;
        private Syscalls sys = Syscalls.linux();

        private Builder() {}

        /**
         * The state directory (runc's --root); null or unset: /run/jrunc, or in rootless mode
         * $XDG_RUNTIME_DIR/jrunc (else /run/user/UID/jrunc).
         */
        public Builder root(Path dir) {
            this.root = dir;
            return this;
        }

        /**
         * runc's --rootless: "true", "false", or "auto" (null too): rootless when the caller's
         * effective uid is not 0 or it runs in a user namespace other than the host's.
         */
        public Builder rootless(String mode) {
            this.rootless = mode;
            return this;
        }

        /** jrunc's installed files (jrunc.jar, jrunc-nsexec); default the jrunc.home system property. */
        public Builder home(Path dir) {
            this.home = Objects.requireNonNull(dir);
            return this;
        }

        /** cgroupsPath in systemd's slice:prefix:name form (runc's --systemd-cgroup). */
        public Builder systemdCgroup(boolean on) {
            this.systemdCgroup = on;
            return this;
        }

        /**
         * Whose environment, cwd, umask and stdio the verbs use, and which process the container's
         * processes descend from; default this JVM ({@link Invocation#embedded}), with the
         * container's stdio this JVM's.
         */
        public Builder invocation(Invocation inv) {
            this.invocation = Objects.requireNonNull(inv);
            return this;
        }

        public Builder syscalls(Syscalls s) {
            this.sys = Objects.requireNonNull(s);
            return this;
        }

        public Jrunc build() {
            return new Jrunc(this);
        }
    }

    public Path root() {
        return store.root();
    }

    /** jrunc's files: needed only by the verbs that start processes, so the others never look. */
    private RuntimeHome home() {
        return homeDir != null ? RuntimeHome.at(homeDir) : RuntimeHome.current();
    }

    /** create: the container's process is set up and waits for {@link #start}. */
    public ContainerState create(String id, Path bundle, CreateOptions o) {
        ContainerRecord record = new ContainerCreator(sys, store, home(), inv).create(createOptions(id, bundle, o));
        return record.toState(Status.CREATED);
    }

    /**
     * run: create and start; unless detach, wait for the process (the caller reaps it, passes
     * signals on and relays the terminal) and return its exit status, deleting the container
     * afterwards unless keep.
     */
    public int run(String id, Path bundle, CreateOptions o, boolean detach, boolean keep) {
        return new ContainerRunner(sys, store, home(), inv).run(createOptions(id, bundle, o), detach, keep);
    }

    private ContainerCreator.Options createOptions(String id, Path bundle, CreateOptions o) {
        return new ContainerCreator.Options(id, bundle, o.pidFile(), o.consoleSocket(), o.noPivot(), o.noNewKeyring(),
                o.preserveFds(), systemdCgroup, rootless, identity);
    }

    /** start: the created container's process execs the user's program; poststart hooks run. */
    public void start(String id) {
        try (StateStore.Lock lock = store.lock(id)) {
            Container c = Container.load(sys, store, id);
            c.start();
            HookRunner.run(c.record(), HookRunner.Kind.POSTSTART, c.state());
        }
    }

    /**
     * state: runtime.md's state of the container (status creating, created, running, paused or
     * stopped; a create killed half-way is a stopped container that can only be deleted).
     */
    public ContainerState state(String id) {
        return Container.stateOf(sys, store, dev.jrunc.container.ContainerId.validate(id));
    }

    /** The container's status alone. */
    public Status status(String id) {
        return Container.load(sys, store, id).status();
    }

    /** Every container under the root, those being created (or whose create was killed) too. */
    public List<ContainerState> list() {
        List<ContainerState> states = new ArrayList<>();
        for (String id : store.ids()) {
            try {
                states.add(Container.stateOf(sys, store, id));
            } catch (JruncException e) {
                // removed while we listed, or not a container's directory
            }
        }
        return states;
    }

    /**
     * kill: signal the init, or with all every process of the container. Signal 0 tests that the
     * init is alive, as with kill(1); with all, a stopped container is then no error, as in runc.
     */
    public void kill(String id, int signal, boolean all) {
        try (StateStore.Lock lock = store.lock(id)) {
            Container c = Container.load(sys, store, id);
            if (signal == 0) {
                if (!all || c.status() != Status.STOPPED) c.kill(0, false);
                return;
            }
            c.kill(signal, all);
        }
    }

    /**
     * delete: remove a stopped container and all jrunc made for it; force kills a live one first.
     * With force a missing container is no error. A create killed half-way left a stopped
     * container: delete removes what it recorded (and kills what it started).
     */
    public void delete(String id, boolean force) {
        dev.jrunc.container.ContainerId.validate(id);
        try (StateStore.Lock lock = store.lock(id)) {
            if (store.isCreating(id)) {
                // A create killed before it wrote its state: it made nothing but the directory.
                store.remove(id);
                return;
            }
            Container.load(sys, store, id).delete(force);
        } catch (ContainerNotFoundException e) {
            if (!force) throw e;
        }
    }

    /** exec: a new process in the running container. */
    public ExecResult exec(String id, ProcessSpec process, ExecOptions o) {
        Container container = Container.load(sys, store, id);
        ContainerExec.Result r = new ContainerExec(sys, home(), inv).inSubCgroups(o.subCgroups()).exec(container, process,
                new ContainerExec.Options(o.consoleSocket(), o.detach(), o.pidFile(), o.preserveFds(), o.ignorePaused()));
        return new ExecResult(r.pid(), r.exitStatus());
    }

    /** The process of the container's config, as exec's flags start from. */
    public ProcessSpec process(String id) {
        var spec = Container.load(sys, store, id).record().spec();
        return spec == null ? null : spec.process();
    }

    /** pause: freeze every process of the container. */
    public void pause(String id) {
        try (StateStore.Lock lock = store.lock(id)) {
            Container.load(sys, store, id).pause();
        }
    }

    /** resume: thaw a paused container. */
    public void resume(String id) {
        try (StateStore.Lock lock = store.lock(id)) {
            Container.load(sys, store, id).resume();
        }
    }

    /** update: new limits for the container's cgroup, saved for later verbs. */
    public void update(String id, Resources resources) {
        try (StateStore.Lock lock = store.lock(id)) {
            Container.load(sys, store, id).update(resources);
        }
    }

    /** events --stats: the container's resource usage. */
    public CgroupStats stats(String id) {
        return monitor(id).stats();
    }

    /** For watching a running container over time (runc events): its cgroup opened once. */
    public Monitor monitor(String id) {
        return new Monitor(liveContainer(id));
    }

    /** A running container's usage, OOM kills and status, read on each call. */
    public static final class Monitor {
        private final Container container;
        private final dev.jrunc.cgroups.CgroupManager cgroup;

        private Monitor(Container container) {
            this.container = container;
            this.cgroup = container.record().cgroup();
        }

        public CgroupStats stats() {
            return cgroup.stats();
        }

        /** How many of the container's processes the OOM killer has killed. */
        public long oomKills() {
            return cgroup.oomKillCount();
        }

        public Status status() {
            return container.status();
        }
    }

    /** ps: the host pids of the container's processes, in order. */
    public Set<Long> ps(String id) {
        return new TreeSet<>(Container.load(sys, store, id).record().cgroup().pids());
    }

    private Container liveContainer(String id) {
        Container c = Container.load(sys, store, id);
        if (c.status() == Status.STOPPED) {
            throw new dev.jrunc.container.ContainerStatusException(id, Status.STOPPED,
                    "container with id " + id + " is not running");
        }
        return c;
    }
}
