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
    void defaultsAndHandledElsewhereAreNotFilesystemData() {
        MountOptions o = parse("defaults", "tmpcopyup", "idmap");
        assertEquals(new MountOptions(0, 0, 0, false, false, "", 0, 0, true, false, true), o);
        MountOptions r = parse("ridmap");
        assertTrue(r.idmap());
        assertTrue(r.recursiveIdmap());
        assertFalse(r.tmpcopyup());
    }

    @Test
    void recursiveOptionsBecomeMountAttributes() {
        MountOptions o = parse("rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnosymfollow", "rnodiratime");
        assertEquals(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                | MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NODIRATIME, o.attrSet());
        assertEquals(0, o.attrClr());
        assertEquals(0, o.flags(), "never mount(2) flags");
        assertEquals("", o.data(), "never filesystem data");
        assertTrue(o.hasRecursiveAttrs());
        MountOptions clear = parse("rrw", "rsuid", "rdev", "rexec", "rsymfollow", "rdiratime");
        assertEquals(0, clear.attrSet());
        assertEquals(MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC
                | MOUNT_ATTR_NOSYMFOLLOW | MOUNT_ATTR_NODIRATIME, clear.attrClr());
        assertFalse(parse("ro", "nosuid").hasRecursiveAttrs());
    }

    @Test
    void laterRecursiveOptionWins() {
        MountOptions o = parse("rro", "rrw");
        assertEquals(0, o.attrSet());
        assertEquals(MOUNT_ATTR_RDONLY, o.attrClr());
        MountOptions back = parse("rrw", "rro");
        assertEquals(MOUNT_ATTR_RDONLY, back.attrSet());
        assertEquals(0, back.attrClr());
    }

    @Test
    void recursiveAtimeModesReplaceTheWholeField() {
        assertEquals(MOUNT_ATTR_NOATIME, parse("rnoatime").attrSet());
        assertEquals(MOUNT_ATTR__ATIME, parse("rnoatime").attrClr());
        assertEquals(MOUNT_ATTR_STRICTATIME, parse("rstrictatime").attrSet());
        assertEquals(MOUNT_ATTR_RELATIME, parse("rrelatime").attrSet());
        assertEquals(MOUNT_ATTR__ATIME, parse("rrelatime").attrClr());
        assertTrue(parse("rrelatime").hasRecursiveAttrs(), "relatime is the value 0, yet a change");
        MountOptions last = parse("rnoatime", "rro", "rstrictatime");
        assertEquals(MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_RDONLY, last.attrSet());
        assertEquals(MOUNT_ATTR__ATIME, last.attrClr());
        assertEquals(MOUNT_ATTR_STRICTATIME, parse("rnorelatime").attrSet());
        assertEquals(MOUNT_ATTR_RELATIME, parse("ratime").attrSet());
        assertEquals(MOUNT_ATTR_RELATIME, parse("rnostrictatime").attrSet());
    }

    @Test
    void silentLoudAndIversionAreFlags() {
        assertEquals(MS_SILENT | MS_I_VERSION, parse("silent", "iversion").flags());
        assertEquals(MS_SILENT | MS_I_VERSION, parse("loud", "noiversion").clear());
        assertEquals("", parse("silent", "loud", "iversion", "noiversion").data());
    }

    @Test
    void knownOptionsCoverEverySpecOptionJruncImplements() {
        List<String> known = MountOptions.known();
        for (String o : List.of("rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec", "rnoatime",
                "rrelatime", "rstrictatime", "rnosymfollow", "idmap", "ridmap", "bind", "rbind", "ro", "silent",
                "iversion", "tmpcopyup", "rshared")) {
            assertTrue(known.contains(o), o);
        }
        assertEquals(known.stream().sorted().distinct().toList(), known);
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
    void rootPropagationDefaultIsASlaveNamespaceRootIncluded() {
        for (String none : new String[] {null, ""}) {
            RootPropagation p = RootPropagation.of(none);
            assertEquals(MS_SLAVE | MS_REC, p.initial());
            assertEquals(MS_SLAVE, p.parent());
            assertEquals(0, p.after());
        }
    }

    @Test
    void rootPropagationValues() {
        assertEquals(new RootPropagation(MS_SHARED | MS_REC, MS_PRIVATE, MS_SHARED), RootPropagation.of("shared"));
        assertEquals(new RootPropagation(MS_SHARED | MS_REC, MS_PRIVATE, MS_SHARED | MS_REC), RootPropagation.of("rshared"));
        // A slave keeps receiving the host's events, through a parent that is a slave too.
        assertEquals(new RootPropagation(MS_SLAVE | MS_REC, MS_SLAVE, MS_SLAVE), RootPropagation.of("slave"));
        assertEquals(new RootPropagation(MS_SLAVE | MS_REC, MS_SLAVE, MS_SLAVE | MS_REC), RootPropagation.of("rslave"));
        assertEquals(new RootPropagation(MS_PRIVATE | MS_REC, MS_PRIVATE, 0), RootPropagation.of("private"));
        assertEquals(new RootPropagation(MS_PRIVATE | MS_REC, MS_PRIVATE, 0), RootPropagation.of("rprivate"));
        // Never unbindable before the rootfs is bound (a bind of an unbindable mount is EINVAL).
        assertEquals(new RootPropagation(MS_SLAVE | MS_REC, MS_PRIVATE, MS_UNBINDABLE), RootPropagation.of("unbindable"));
    }

    @Test
    void unknownRootPropagationNamesTheField() {
        ConfigException e = assertThrows(ConfigException.class, () -> RootPropagation.of("sideways"));
        assertEquals("$.linux.rootfsPropagation", e.path());
        assertTrue(e.getMessage().startsWith("config.json: $.linux.rootfsPropagation: unknown propagation \"sideways\""),
                e.getMessage());
    }
}
