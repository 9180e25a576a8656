package dev.jrunc.cli;

import dev.jrunc.JruncException;
import dev.jrunc.spec.ConfigLoader;
import dev.jrunc.spec.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * runc update: new limits for a container's cgroup, from a linux.resources JSON document
 * (--resources FILE, or - for stdin; the other options are then ignored) or from options.
 * Values are saved into the container's recorded config.
 */
@Command(name = "update", description = "Update a container's resource limits.")
public final class UpdateCommand implements Callable<Integer> {
    @ParentCommand JruncCommand global;

    @Parameters(index = "0", paramLabel = "<container-id>") String id;

    @Option(names = {"--resources", "-r"}, paramLabel = "FILE|-",
            description = "linux.resources JSON document, '-' for stdin; all other options are then ignored")
    String resources;

    @Option(names = "--blkio-weight", description = "block IO weight, 10 to 1000") Integer blkioWeight;
    @Option(names = "--cpu-period", description = "CPU CFS period (µs)") String cpuPeriod;
    @Option(names = "--cpu-quota", description = "CPU CFS quota (µs) per period") String cpuQuota;
    @Option(names = "--cpu-burst", description = "CPU CFS burst (µs)") String cpuBurst;
    @Option(names = {"--cpu-share", "--cpu-shares"}, description = "CPU shares (relative weight)") String cpuShares;
    @Option(names = "--cpu-rt-period", description = "CPU realtime period (µs)") String cpuRtPeriod;
    @Option(names = "--cpu-rt-runtime", description = "CPU realtime runtime (µs) per period") String cpuRtRuntime;
    @Option(names = "--cpu-idle", description = "1: SCHED_IDLE for the cgroup, 0: default") String cpuIdle;
    @Option(names = "--cpuset-cpus", description = "CPUs to use, e.g. 0-2,4") String cpusetCpus;
    @Option(names = "--cpuset-mems", description = "memory nodes to use") String cpusetMems;
    @Option(names = "--memory", description = "memory limit, e.g. 64m; -1 for unlimited") String memory;
    @Option(names = "--memory-swap", description = "memory+swap limit; -1 for unlimited") String memorySwap;
    @Option(names = "--memory-reservation", description = "memory soft limit") String memoryReservation;
    @Option(names = "--kernel-memory", description = "kernel memory limit (cgroup v1 kernels that still have it)")
    String kernelMemory;
    @Option(names = "--kernel-memory-tcp", description = "kernel TCP buffer limit (cgroup v1 only)")
    String kernelMemoryTcp;
    @Option(names = "--pids-limit", description = "maximum number of processes") Long pidsLimit;

    @Override
    public Integer call() {
        Resources r = resources != null ? fromDocument(resources) : fromOptions();
        global.jrunc().update(id, r);
        return 0;
    }

    private Resources fromDocument(String source) {
        byte[] json;
        String doc;
        try {
            if (source.equals("-")) {
                doc = "<stdin>";
                json = global.invocation().in().readAllBytes();
            } else {
                doc = source;
                json = Files.readAllBytes(global.invocation().resolve(Path.of(source)));
            }
        } catch (IOException e) {
            throw new JruncException("update --resources: cannot read " + source + ": " + e.getMessage(), e);
        }
        return ConfigLoader.parseResources(json, doc);
    }

    private Resources fromOptions() {
        Resources.Memory mem = null;
        if (memory != null || memorySwap != null || memoryReservation != null || kernelMemory != null
                || kernelMemoryTcp != null) {
            mem = new Resources.Memory(ram("memory", memory), ram("memory-reservation", memoryReservation),
                    ram("memory-swap", memorySwap), ram("kernel-memory", kernelMemory),
                    ram("kernel-memory-tcp", kernelMemoryTcp), null, null, null, null);
        }
        Resources.Cpu cpu = null;
        if (cpuPeriod != null || cpuQuota != null || cpuBurst != null || cpuShares != null || cpuRtPeriod != null
                || cpuRtRuntime != null || cpuIdle != null || cpusetCpus != null || cpusetMems != null) {
            cpu = new Resources.Cpu(unsigned("cpu-share", cpuShares), signed("cpu-quota", cpuQuota),
                    unsigned("cpu-burst", cpuBurst), unsigned("cpu-period", cpuPeriod),
                    signed("cpu-rt-runtime", cpuRtRuntime), unsigned("cpu-rt-period", cpuRtPeriod),
                    emptyToNull(cpusetCpus), emptyToNull(cpusetMems), signed("cpu-idle", cpuIdle));
        }
        Resources.Pids pids = pidsLimit == null || pidsLimit == 0 ? null : new Resources.Pids(pidsLimit);
        Resources.BlockIO blkio = blkioWeight == null || blkioWeight == 0 ? null
                : new Resources.BlockIO(blkioWeight, null, null, null, null, null, null);
        return new Resources(null, mem, cpu, pids, blkio, null, null, null, null);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Long unsigned(String option, String v) {
        if (v == null || v.isEmpty()) return null;
        try {
            return Long.parseUnsignedLong(v);
        } catch (NumberFormatException e) {
            throw new JruncException("invalid value for " + option + ": \"" + v + "\" is not an unsigned integer");
        }
    }

    private static Long signed(String option, String v) {
        if (v == null || v.isEmpty()) return null;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new JruncException("invalid value for " + option + ": \"" + v + "\" is not an integer");
        }
    }

    private static Long ram(String option, String v) {
        if (v == null || v.isEmpty()) return null;
        if (v.equals("-1")) return -1L;
        try {
            return ramInBytes(v);
        } catch (IllegalArgumentException e) {
            throw new JruncException("invalid value for " + option + ": " + e.getMessage());
        }
    }

    private static final Pattern SIZE = Pattern.compile("^(\\d+(\\.\\d+)*) ?([kKmMgGtTpP])?[iI]?[bB]?$");

    /** A size with an optional binary unit, as runc reads it: "64m" = 64 MiB, "1.5g", "512", "2kb". */
    static long ramInBytes(String s) {
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) throw new IllegalArgumentException("invalid size: '" + s + "'");
        double size;
        try {
            size = Double.parseDouble(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid size: '" + s + "'");
        }
        if (m.group(3) != null) {
            int shift = switch (m.group(3).toLowerCase(Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                case "t" -> 40;
                default -> 50;
            };
            size *= (double) (1L << shift);
        }
        if (size >= 0x1p63) throw new IllegalArgumentException("invalid size: '" + s + "' (too large)");
        return (long) size;
    }
}
