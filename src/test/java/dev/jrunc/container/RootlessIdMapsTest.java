package dev.jrunc.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.ConfigException;
import dev.jrunc.spec.DefaultSpec;
import dev.jrunc.spec.LinuxSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootlessIdMapsTest {
    @TempDir Path dir;

    private static final CallerIdentity USER = new CallerIdentity(1000, 1000, Map.<String, String>of()::get);

    private static LinuxSpec maps(List<LinuxSpec.IdMapping> uids, List<LinuxSpec.IdMapping> gids) {
        LinuxSpec l = DefaultSpec.rootless().linux();
        return new LinuxSpec(l.namespaces(), uids, gids, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null);
    }

    private static LinuxSpec.IdMapping m(long c, long h, long n) {
        return new LinuxSpec.IdMapping(c, h, n);
    }

    private RootlessIdMaps granted() {
        return new RootlessIdMaps(USER, "alice", List.of(new RootlessIdMaps.Range(100000, 65536)),
                List.of(new RootlessIdMaps.Range(100000, 65536)));
    }

    @Test
    void theUsersOwnIdAndItsGrantedRangesPass() {
        granted().check(maps(List.of(m(0, 1000, 1), m(1, 100000, 65536)), List.of(m(0, 1000, 1), m(1, 100000, 1000))));
    }

    @Test
    void aRangeNotGrantedIsRefusedNamingTheMapping() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> granted().check(maps(List.of(m(0, 1000, 1), m(1, 5000, 10)), List.of(m(0, 1000, 1)))));
        assertEquals("$.linux.uidMappings[1]", e.path());
        assertTrue(e.getMessage().contains("5000..5009"), e.getMessage());
        assertTrue(e.getMessage().contains("100000..165535"), e.getMessage());
        // one past the granted range is not in it either
        ConfigException g = assertThrows(ConfigException.class,
                () -> granted().check(maps(List.of(m(0, 1000, 1)), List.of(m(0, 1000, 1), m(1, 100000, 65537)))));
        assertEquals("$.linux.gidMappings[1]", g.path());
    }

    @Test
    void anotherUsersIdIsRefused() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> granted().check(maps(List.of(m(0, 0, 1)), List.of(m(0, 1000, 1)))));
        assertEquals("$.linux.uidMappings[0]", e.path());
    }

    @Test
    void noMappingIsRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> granted().check(maps(null, List.of(m(0, 1000, 1)))));
        assertEquals("$.linux.uidMappings", e.path());
    }

    @Test
    void subordinateFilesMatchByNameOrNumber() throws IOException {
        Path f = dir.resolve("subuid");
        Files.writeString(f, "bob:300000:65536\nalice:100000:65536\n1000:500000:10\nbroken line\nalice:x:1\n");
        assertEquals(List.of(new RootlessIdMaps.Range(100000, 65536), new RootlessIdMaps.Range(500000, 10)),
                RootlessIdMaps.ranges(f, "alice", 1000));
        assertEquals(List.of(), RootlessIdMaps.ranges(dir.resolve("missing"), "alice", 1000));
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
        assertEquals("alice", RootlessIdMaps.userName(passwd, 1000));
    }

    @Test
    void onlyASingleLineOfTheOwnIdIsWrittenWithoutTheTools() {
        assertTrue(RootlessIdMaps.isOwnIdOnly(List.of(m(0, 1000, 1)), 1000));
        assertTrue(!RootlessIdMaps.isOwnIdOnly(List.of(m(0, 1000, 1), m(1, 100000, 10)), 1000));
        assertTrue(!RootlessIdMaps.isOwnIdOnly(List.of(m(0, 1000, 2)), 1000));
    }
}
