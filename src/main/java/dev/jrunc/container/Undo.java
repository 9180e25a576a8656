package dev.jrunc.container;

import dev.jrunc.Log;
import java.util.ArrayDeque;
import java.util.Deque;

/** The undo steps of a half-done operation, run newest first if it fails. */
final class Undo {
    private final Deque<Runnable> steps = new ArrayDeque<>();
    private final Deque<String> names = new ArrayDeque<>();

    void push(String name, Runnable step) {
        steps.push(step);
        names.push(name);
    }

    /** Runs every step; a failing step is logged and the rest still run. */
    void runAll() {
        while (!steps.isEmpty()) {
            Runnable step = steps.pop();
            String name = names.pop();
            try {
                step.run();
            } catch (RuntimeException e) {
                Log.warn("cleanup: " + name + ": " + e.getMessage());
            }
        }
    }

    void clear() {
        steps.clear();
        names.clear();
    }
}
