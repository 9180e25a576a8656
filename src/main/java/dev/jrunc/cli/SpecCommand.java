package dev.jrunc.cli;

import dev.jrunc.JruncException;
import dev.jrunc.spec.DefaultSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
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
        Path file = global.invocation().resolve(bundle).resolve("config.json");
        if (Files.exists(file)) {
            throw new JruncException("spec: " + file + " already exists; remove it first");
        }
        // 0666 less the caller's umask, as runc writes it, whatever this process's umask is.
        var mode = PosixFilePermissions.asFileAttribute(permissions(0666 & ~global.invocation().umask()));
        try (var ch = java.nio.channels.FileChannel.open(file, java.util.EnumSet.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), mode)) {
            var b = java.nio.ByteBuffer.wrap(DefaultSpec.json(rootless).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            while (b.hasRemaining()) ch.write(b);
            Files.setPosixFilePermissions(file, permissions(0666 & ~global.invocation().umask()));
        } catch (IOException e) {
            throw new JruncException("spec: cannot write " + file + ": " + e.getMessage(), e);
        }
        return 0;
    }

    private static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int mode) {
        var set = java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
        var bits = java.nio.file.attribute.PosixFilePermission.values();
        for (int i = 0; i < 9; i++) if ((mode & (0400 >> i)) != 0) set.add(bits[i]);
        return set;
    }
}
