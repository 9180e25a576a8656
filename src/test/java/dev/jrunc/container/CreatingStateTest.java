package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jrunc.linux.RecordingSyscalls;
import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.SpecJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state a create writes before it makes anything, and what later verbs make of it. */
class CreatingStateTest {
    @TempDir Path tmp;

    private final RecordingSyscalls sys = new RecordingSyscalls();

    private StateStore store() {
        return new StateStore(tmp.resolve("root"), sys);
    }

    private static ContainerRecord beginning(String id, int creatorPid, long creatorStart) {
        return ContainerRecord.beginning(id, "/b", "/b/rootfs", "2026-01-01T00:00:00Z", false,
                Map.of("memory", "/sys/fs/cgroup/memory/" + id), List.of("/sys/fs/cgroup/memory/" + id), null,
                DefaultSpec.example(), new ContainerRecord.Creating(creatorPid, creatorStart, 0, 0));
    }

    @Test
    void everyStepOfCreateRoundTripsThroughStateJson() {
        StateStore s = store();
        s.createDir("c1");
        ContainerRecord r = beginning("c1", 10, 20).withCgroups(List.of("/a"), List.of("/b"))
                .withHelper(11, 21).withInit(12, 22, "pid:[4026532000]");
        s.write(r);
        ContainerRecord back = s.read("c1");
        assertEquals(new ContainerRecord.Creating(10, 20, 11, 21), back.creating());
        assertEquals(12, back.pid());
        assertEquals(22, back.initStartTime());
        assertEquals("pid:[4026532000]", back.pidNamespace());
        assertEquals(List.of("/a"), back.cgroupCreated());
        assertEquals(List.of("/b"), back.cgroupJoined());

        ContainerRecord done = back.asCreated("2026-01-01T00:00:01Z");
        s.write(done);
        ContainerRecord after = s.read("c1");
        assertNull(after.creating(), "a created container has no create in progress");
        assertEquals("pid:[4026532000]", after.pidNamespace());
    }

    @Test
    void onlyFieldsAreAddedSoAnOlderReaderFindsWhatItKnew() throws Exception {
        StateStore s = store();
        s.createDir("c1");
        s.write(beginning("c1", 10, 20));
        JsonNode json = SpecJson.mapper().readTree(Files.readAllBytes(tmp.resolve("root/c1/state.json")));
        for (String f : List.of("ociVersion", "id", "pid", "initStartTime", "bundle", "rootfs", "created", "owner",
                "systemdCgroup", "cgroupPaths", "cgroupCreated", "config")) {
            assertEquals(true, json.has(f), f);
        }
        assertEquals(0, json.get("pid").asInt(), "no init yet");
        assertEquals(10, json.get("creating").get("pid").asInt());
    }

    @Test
    void aCreateInProgressIsCreatingAndOneThatDiedIsStopped() {
        StateStore s = store();
        int self = (int) ProcessHandle.current().pid();
        long start = ProcStat.startTimeIfAlive(self).orElseThrow();
        s.createDir("live");
        s.write(beginning("live", self, start));
        assertEquals("creating", Container.stateOf(sys, s, "live").status());

        s.createDir("dead");
        // the same pid with another start time: the creator is gone and its pid recycled
        s.write(beginning("dead", self, start + 1));
        ContainerState dead = Container.stateOf(sys, s, "dead");
        assertEquals("stopped", dead.status());
        assertEquals(0, dead.pid());
        assertEquals("/b", dead.bundle());
    }
}
