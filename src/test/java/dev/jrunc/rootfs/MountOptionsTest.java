package dev.jrunc.rootfs;

import static dev.jrunc.linux.Linux.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jrunc.spec.ConfigException;
import java.util.List;
import org.junit.jupiter.api.Test;

class MountOptionsTest {
    private static MountOptions parse(String... options) {
        return MountOptions.parse(List.of(options));
    }

    @Test
    void runcDevTmpfs() {
        MountOptions o = parse("nosuid", "strictatime", "mode=755", "size=65536k");
        assertEquals(MS_NOSUID | MS_STRICTATIME, o.flags());
        assertEquals(0, o.clear());
        assertEquals(0, o.propagation());
        assertFalse(o.bind());
        assertEquals("mode=755,size=65536k", o.data());
        assertEquals("mode=755,size=65536k", o.dataOrNull());
    }

    @Test
    void readOnlyRecursiveBindPrivate() {
        MountOptions o = parse("ro", "rbind", "rprivate");
        assertEquals(MS_RDONLY, o.flags());
        assertEquals(MS_PRIVATE | MS_REC, o.propagation());
        assertTrue(o.bind());
        assertTrue(o.recursive());
        assertEquals("", o.data());
        assertNull(o.dataOrNull());
    }

    @Test
    void plainBindIsNotRecursive() {
        MountOptions o = parse("bind");
        assertTrue(o.bind());
        assertFalse(o.recursive());
        assertEquals(0, o.flags());
    }

    @Test
    void readWriteSlave() {
        MountOptions o = parse("rw", "rslave");
        assertEquals(0, o.flags());
        assertEquals(MS_RDONLY, o.clear());
        assertEquals(MS_SLAVE | MS_REC, o.propagation());
    }

    @Test
    void containerdSysfsAndCgroup() {
        assertEquals(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, parse("nosuid", "noexec", "nodev", "ro").flags());
        assertEquals(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY,
                parse("nosuid", "noexec", "nodev", "relatime", "ro").flags());
    }

    @Test
    void devptsOptionsGoToData() {
        MountOptions o = parse("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        assertEquals(MS_NOSUID | MS_NOEXEC, o.flags());
        assertEquals("newinstance,ptmxmode=0666,mode=0620,gid=5", o.data());
    }

    @Test
    void unknownOptionsGoToDataInOrder() {
        assertEquals("lowerdir=/a,upperdir=/b,weird", parse("lowerdir=/a", "ro", "upperdir=/b", "weird").data());
    }

    @Test
    void defaultsAndHandledElsewhereAreIgnored() {
        MountOptions o = parse("defaults", "tmpcopyup", "idmap", "ridmap");
        assertEquals(new MountOptions(0, 0, 0, false, false, ""), o);
    }

    @Test
    void laterOptionWins() {
        MountOptions roThenRw = parse("ro", "rw");
        assertEquals(0, roThenRw.flags());
        assertEquals(MS_RDONLY, roThenRw.clear());
        MountOptions rwThenRo = parse("rw", "ro");
        assertEquals(MS_RDONLY, rwThenRo.flags());
        assertEquals(0, rwThenRo.clear());
        assertEquals(MS_SHARED, parse("rprivate", "shared").propagation());
    }

    @Test
    void clearingFlags() {
        MountOptions o = parse("suid", "dev", "exec", "async", "atime", "diratime", "norelatime", "nostrictatime",
                "nolazytime", "symfollow", "nomand");
        assertEquals(0, o.flags());
        assertEquals(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_NOATIME | MS_NODIRATIME | MS_RELATIME
                | MS_STRICTATIME | MS_LAZYTIME | MS_NOSYMFOLLOW | MS_MANDLOCK, o.clear());
    }

    @Test
    void everyPropagation() {
        assertEquals(MS_PRIVATE, parse("private").propagation());
        assertEquals(MS_SHARED | MS_REC, parse("rshared").propagation());
        assertEquals(MS_SLAVE, parse("slave").propagation());
        assertEquals(MS_UNBINDABLE, parse("unbindable").propagation());
        assertEquals(MS_UNBINDABLE | MS_REC, parse("runbindable").propagation());
    }

    @Test
    void rootPropagationDefaultsToRecursiveSlave() {
        assertEquals(MS_SLAVE | MS_REC, MountOptions.rootPropagation(null));
        assertEquals(MS_SLAVE | MS_REC, MountOptions.rootPropagation(""));
        assertEquals(MS_PRIVATE, MountOptions.rootPropagation("private"));
        assertEquals(MS_SHARED | MS_REC, MountOptions.rootPropagation("rshared"));
    }

    @Test
    void unknownRootPropagationNamesTheField() {
        ConfigException e = assertThrows(ConfigException.class, () -> MountOptions.rootPropagation("sideways"));
        assertEquals("$.linux.rootfsPropagation", e.path());
        assertEquals("config.json: $.linux.rootfsPropagation: unknown propagation \"sideways\"", e.getMessage());
    }
}
