package dev.jrunc.spec;

import java.util.List;
import java.util.Map;

/** linux.resources of config-linux.md; also the document `update --resources` reads. */
public record Resources(
        List<DeviceRule> devices,
        Memory memory,
        Cpu cpu,
        Pids pids,
        BlockIO blockIO,
        List<HugepageLimit> hugepageLimits,
        Network network,
        Map<String, Rdma> rdma,
        Map<String, String> unified) {

    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

    public record Memory(
            Long limit,
            Long reservation,
            Long swap,
            Long kernel,
            Long kernelTCP,
            Long swappiness,
            Boolean disableOOMKiller,
            Boolean useHierarchy,
            Boolean checkBeforeUpdate) {}

    public record Cpu(
            Long shares,
            Long quota,
            Long burst,
            Long period,
            Long realtimeRuntime,
            Long realtimePeriod,
            String cpus,
            String mems,
            Long idle) {}

    public record Pids(Long limit) {}

    public record BlockIO(
            Integer weight,
            Integer leafWeight,
            List<WeightDevice> weightDevice,
            List<ThrottleDevice> throttleReadBpsDevice,
            List<ThrottleDevice> throttleWriteBpsDevice,
            List<ThrottleDevice> throttleReadIOPSDevice,
            List<ThrottleDevice> throttleWriteIOPSDevice) {}

    public record WeightDevice(long major, long minor, Integer weight, Integer leafWeight) {}

    public record ThrottleDevice(long major, long minor, long rate) {}

    public record HugepageLimit(String pageSize, long limit) {}

    public record Network(Long classID, List<NetPriority> priorities) {}

    public record NetPriority(String name, long priority) {}

    public record Rdma(Long hcaHandles, Long hcaObjects) {}
}
