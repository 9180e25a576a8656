package dev.jrunc.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CgroupsPathTest {
    @Test
    void cgroupfsPaths() {
        assertEquals("/a/b", CgroupsPath.resolve("/a/b", "id", false));
        assertEquals("a/b", CgroupsPath.resolve("a/b", "id", false));
        assertEquals("ctr", CgroupsPath.resolve(null, "ctr", false));
        assertEquals("ctr", CgroupsPath.resolve("", "ctr", false));
        assertEquals("/x", CgroupsPath.resolve("/a/../../x/./", "id", false));
        assertEquals("x", CgroupsPath.resolve("../../x", "id", false));
        // without the systemd driver the slice form is just a directory name, as with runc
        assertEquals("system.slice:docker:abc", CgroupsPath.resolve("system.slice:docker:abc", "id", false));
    }

    @Test
    void systemdScopes() {
        assertEquals("/system.slice/docker-abc.scope", CgroupsPath.resolve("system.slice:docker:abc", "id", true));
        assertEquals("/a.slice/a-b.slice/a-b-c.slice/p-n.scope", CgroupsPath.resolve("a-b-c.slice:p:n", "id", true));
        assertEquals("/system.slice/jrunc-ctr.scope", CgroupsPath.resolve(null, "ctr", true));
        assertEquals("/system.slice/p-n.scope", CgroupsPath.resolve(":p:n", "id", true));
        assertEquals("/n.scope", CgroupsPath.resolve("-.slice::n", "id", true));
        assertEquals("/user.slice/user-1000.slice/mine.slice",
                CgroupsPath.resolve("user-1000.slice:x:mine.slice", "id", true));
    }

    @Test
    void expandSlice() {
        assertEquals("/", CgroupsPath.expandSlice("-.slice"));
        assertEquals("/system.slice", CgroupsPath.expandSlice("system.slice"));
        assertEquals("/a.slice/a-b.slice", CgroupsPath.expandSlice("a-b.slice"));
        for (String bad : new String[] {"a", "a--b.slice", "-a.slice", "a-.slice", ".slice", "a/b.slice"}) {
            assertThrows(CgroupException.class, () -> CgroupsPath.expandSlice(bad), bad);
        }
    }

    @Test
    void badSystemdFormsNameTheKey() {
        var e = assertThrows(CgroupException.class, () -> CgroupsPath.resolve("/a/b", "id", true));
        assertTrue(e.getMessage().startsWith("linux.cgroupsPath:"), e.getMessage());
        e = assertThrows(CgroupException.class, () -> CgroupsPath.resolve("foo:p:n", "id", true));
        assertTrue(e.getMessage().contains("foo"), e.getMessage());
        assertThrows(CgroupException.class, () -> CgroupsPath.resolve("system.slice:p:", "id", true));
        assertThrows(CgroupException.class, () -> CgroupsPath.resolve("system.slice:p:a/b", "id", true));
    }
}
