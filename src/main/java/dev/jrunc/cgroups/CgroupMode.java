package dev.jrunc.cgroups;

/** How the host mounts cgroups. */
public enum CgroupMode {
    /** Only v1 hierarchies, one per controller (or co-mounted group). */
    V1,
    /** A single cgroup2 hierarchy holding every controller. */
    V2,
    /** v1 controllers plus a cgroup2 mount that may hold the controllers v1 does not. */
    HYBRID
}
