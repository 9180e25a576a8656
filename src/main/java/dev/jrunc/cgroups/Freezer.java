package dev.jrunc.cgroups;

/** Freezing on v1 (freezer.state) and v2 (cgroup.freeze / cgroup.events). */
final class Freezer {
    static final long TIMEOUT_MS = 5000;

    private Freezer() {}

    /**
     * v1 passes through FREEZING while processes are stopped; one that was mid-fork can leave it
     * stuck there, which re-writing FROZEN resolves, so the state is re-requested while waiting.
     */
    static void setV1(CgroupDir d, boolean frozen) {
        String want = frozen ? "FROZEN" : "THAWED";
        long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000;
        long sleep = 1;
        for (int attempt = 0; ; attempt++) {
            if (attempt % 10 == 0) {
                d.write("freezer", "freezer.state", want);
            }
            String state = d.read("freezer.state").trim();
            if (state.equals(want)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                if (frozen) {
                    d.write("freezer", "freezer.state", "THAWED");
                }
                throw new CgroupException("cgroup " + d.path() + " did not become " + want + " within "
                        + TIMEOUT_MS + " ms (freezer.state is " + state + ")");
            }
            CgroupTree.sleep(sleep);
            sleep = Math.min(sleep * 2, 50);
        }
    }

    /** The error for a container asked to go into a frozen cgroup (or under a frozen parent). */
    static CgroupException frozen(java.nio.file.Path dir, boolean itself, String detail) {
        return new CgroupException("$.linux.cgroupsPath: " + (itself ? "cgroup " : "the new cgroup's parent ") + dir
                + " is frozen (" + detail + "): a container placed there could never run; thaw it or use another cgroup");
    }

    static boolean isFrozenV1(CgroupDir d) {
        return "FROZEN".equals(d.readIfPresent("freezer.state"));
    }

    static void setV2(CgroupDir d, boolean frozen) {
        if (!d.has("cgroup.freeze")) {
            throw new CgroupException("freezing " + d.path() + ": cgroup.freeze does not exist (needs Linux 5.2 or later)");
        }
        d.write("freezer", "cgroup.freeze", frozen ? "1" : "0");
        long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000;
        long sleep = 1;
        while (isFrozenV2(d) != frozen) {
            if (System.nanoTime() > deadline) {
                if (frozen) {
                    d.write("freezer", "cgroup.freeze", "0");
                }
                throw new CgroupException("cgroup " + d.path() + " did not become " + (frozen ? "frozen" : "thawed")
                        + " within " + TIMEOUT_MS + " ms (cgroup.events)");
            }
            CgroupTree.sleep(sleep);
            sleep = Math.min(sleep * 2, 50);
        }
    }

    static boolean isFrozenV2(CgroupDir d) {
        return d.readKeyValues("cgroup.events").getOrDefault("frozen", 0L) == 1L;
    }
}
