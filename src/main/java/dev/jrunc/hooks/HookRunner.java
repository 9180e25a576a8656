package dev.jrunc.hooks;

import dev.jrunc.JruncException;
import dev.jrunc.Log;
import dev.jrunc.container.ContainerState;
import dev.jrunc.spec.Spec;
import dev.jrunc.spec.SpecJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs config.md's hooks: path with args and env exactly as given (args[0] is argv[0], not the
 * path), the container's state as JSON on stdin, `timeout` seconds at most. Whether a failure
 * stops the operation depends on the hook kind, so it is the caller's decision.
 */
public final class HookRunner {
    public enum Kind {
        PRESTART("prestart", true),
        CREATE_RUNTIME("createRuntime", true),
        CREATE_CONTAINER("createContainer", true),
        START_CONTAINER("startContainer", true),
        POSTSTART("poststart", false),
        POSTSTOP("poststop", false);

        final String field;
        final boolean fatal;

        Kind(String field, boolean fatal) {
            this.field = field;
            this.fatal = fatal;
        }
    }

    private HookRunner() {}

    public static List<Spec.Hook> hooks(Spec spec, Kind kind) {
        Spec.Hooks h = spec == null ? null : spec.hooks();
        if (h == null) return List.of();
        List<Spec.Hook> list = switch (kind) {
            case PRESTART -> h.prestart();
            case CREATE_RUNTIME -> h.createRuntime();
            case CREATE_CONTAINER -> h.createContainer();
            case START_CONTAINER -> h.startContainer();
            case POSTSTART -> h.poststart();
            case POSTSTOP -> h.poststop();
        };
        return list == null ? List.of() : list;
    }

    /**
     * Runs every hook of a kind in order. A failing prestart/createRuntime/createContainer/
     * startContainer hook throws (the operation stops and cleans up); a failing poststart or
     * poststop hook is logged as a warning and the rest still run, as config.md requires.
     */
    public static void run(Spec spec, Kind kind, ContainerState state) {
        List<Spec.Hook> list = hooks(spec, kind);
        if (list.isEmpty()) return;
        byte[] stdin;
        try {
            stdin = SpecJson.mapper().writeValueAsBytes(state);
        } catch (IOException e) {
            throw new JruncException("cannot encode the state for " + kind.field + " hooks", e);
        }
        for (int i = 0; i < list.size(); i++) {
            try {
                runOne(list.get(i), stdin);
            } catch (JruncException e) {
                String msg = kind.field + " hook #" + i + " (" + list.get(i).path() + "): " + e.getMessage();
                if (kind.fatal) throw new JruncException(msg, e);
                Log.warn(msg);
            }
        }
    }

    static void runOne(Spec.Hook hook, byte[] stdin) {
        List<String> argv = new ArrayList<>();
        argv.add(hook.path());
        if (hook.args() != null && hook.args().size() > 1) {
            argv.addAll(hook.args().subList(1, hook.args().size()));
        }
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        if (hook.env() != null) {
            for (String e : hook.env()) {
                int eq = e.indexOf('=');
                if (eq > 0) pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        pb.redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new JruncException("cannot run: " + e.getMessage(), e);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin);
        } catch (IOException e) {
            // the hook need not read its stdin
        }
        Thread drain = Thread.ofVirtual().start(() -> {
            try (InputStream out = p.getInputStream()) {
                byte[] all = out.readAllBytes();
                if (all.length > 0) Log.debug("hook " + hook.path() + " output: " + new String(all, StandardCharsets.UTF_8).strip());
            } catch (IOException ignored) {
                // nothing to log
            }
        });
        try {
            boolean done = hook.timeout() == null ? waitForever(p) : p.waitFor(hook.timeout(), TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly();
                p.waitFor();
                throw new JruncException("timed out after " + hook.timeout() + "s");
            }
            drain.join(1000);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new JruncException("interrupted");
        }
        if (p.exitValue() != 0) {
            throw new JruncException("exited with status " + p.exitValue());
        }
    }

    private static boolean waitForever(Process p) throws InterruptedException {
        p.waitFor();
        return true;
    }
}
