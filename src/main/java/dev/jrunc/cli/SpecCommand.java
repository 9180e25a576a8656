package dev.jrunc.cli;

import dev.jrunc.JruncException;
import dev.jrunc.spec.DefaultSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "spec", description = "Write a default config.json into the bundle directory.")
public final class SpecCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Option(names = {"--bundle", "-b"}, description = "bundle directory (default: the current directory)")
    Path bundle = Path.of("");

    @Option(names = "--rootless", description = "a config for an unprivileged user")
    boolean rootless;

    @Override
    public Integer call() {
        Path file = bundle.resolve("config.json");
        if (Files.exists(file)) {
            throw new JruncException("spec: " + file.toAbsolutePath() + " already exists; remove it first");
        }
        try {
            Files.writeString(file, DefaultSpec.json(rootless));
        } catch (IOException e) {
            throw new JruncException("spec: cannot write " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        return 0;
    }
}
