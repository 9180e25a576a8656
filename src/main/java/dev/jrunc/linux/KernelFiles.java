package dev.jrunc.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads files of /proc, /sys and cgroupfs. They report a size of 0 (or 4096) whatever they
 * hold, and Files.readString trusts the size and can return a truncated value ("4" for "40"):
 * these are read as a stream to the end instead.
 */
public final class KernelFiles {
    private KernelFiles() {}

    public static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
