package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** config.md "Root", "Mounts", "Process" and config-linux.md "Devices", checked from inside. */
class RootfsIT extends ContainerTest {

    private static String mountLine(String out, String mountPoint) {
        return out.lines().filter(l -> l.split(" ").length > 4 && l.split(" ")[4].equals(mountPoint))
                .reduce((a, b) -> b).orElse("");
    }

    @Test
    void mountsAndReadonlyRoot() throws Exception {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("hello.txt"), "hello-from-host\n");
        Bundle b = bundle("b").readonlyRoot(true)
                .mount("/mnt/sized", "tmpfs", "tmpfs", "size=1m", "mode=1770")
                .mount("/mnt/flags", "tmpfs", "tmpfs", "nosuid", "nodev", "noexec")
                .mount("/mnt/rw", "bind", shared.toString(), "rbind", "rw")
                .mount("/mnt/ro", "bind", shared.toString(), "bind", "ro")
                .sh("cat /proc/self/mountinfo; echo ---;"
                        + "echo sized_mode=$(stat -c %a /mnt/sized);"
                        + "echo rw=$(cat /mnt/rw/hello.txt);"
                        + "echo ro=$(cat /mnt/ro/hello.txt);"
                        + "touch /mnt/ro/x 2>/dev/null && echo ro_write=yes || echo ro_write=refused;"
                        + "echo from-container > /mnt/rw/written && echo rw_write=yes;"
                        + "touch /rootfile 2>/dev/null && echo root_write=yes || echo root_write=refused");
        String id = newId("mounts");
        String out = run(b, id).assertOk().out();
        Map<String, String> f = facts(out.substring(out.indexOf("---")));

        String sized = mountLine(out, "/mnt/sized");
        assertContains(sized, "tmpfs");
        assertContains(sized, "size=1024k");
        assertContains(sized, "mode=1770");
        assertFact(f, "sized_mode", "1770");
        String flags = mountLine(out, "/mnt/flags");
        for (String o : List.of("nosuid", "nodev", "noexec")) assertContains(flags.split(" ")[5], o);
        assertTrue(mountLine(out, "/mnt/ro").split(" ")[5].startsWith("ro"), mountLine(out, "/mnt/ro"));
        assertTrue(mountLine(out, "/").split(" ")[5].startsWith("ro"), "root.readonly: " + mountLine(out, "/"));

        assertFact(f, "rw", "hello-from-host");
        assertFact(f, "ro", "hello-from-host");
        assertFact(f, "ro_write", "refused");
        assertFact(f, "rw_write", "yes");
        assertFact(f, "root_write", "refused");
        assertEquals("from-container\n", Files.readString(shared.resolve("written")));
        assertTrue(!Files.exists(shared.resolve("x")));
        assertNothingLeftBehind(id);
    }

    @Test
    void devicesAndDevLinks() {
        Bundle b = bundle("b");
        ObjectNode fuse = b.linux().putArray("devices").addObject();
        fuse.put("path", "/dev/fuse").put("type", "c").put("major", 10).put("minor", 229)
                .put("fileMode", 0660).put("uid", 0).put("gid", 0);
        StringBuilder s = new StringBuilder();
        for (String d : List.of("null", "zero", "full", "random", "urandom", "tty", "fuse")) {
            s.append("echo dev_").append(d).append("=$(stat -c '%F %t:%T %a' /dev/").append(d).append(");");
        }
        for (String l : List.of("fd", "stdin", "stdout", "stderr", "ptmx")) {
            s.append("echo link_").append(l).append("=$(readlink /dev/").append(l).append(");");
        }
        s.append("echo zero_read=$(head -c 4 /dev/zero | od -An -tx1 | tr -d ' ');");
        s.append("echo null_write=$(echo x > /dev/null && echo ok);");
        s.append("echo stdout_write=$(echo via-dev-stdout > /dev/stdout);");
        b.sh(s.toString());
        String id = newId("devices");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        Map<String, String> expected = Map.of("null", "1:3", "zero", "1:5", "full", "1:7", "random", "1:8",
                "urandom", "1:9", "tty", "5:0");
        for (var e : expected.entrySet()) {
            assertFact(f, "dev_" + e.getKey(), "character special file " + e.getValue() + " 666");
        }
        assertFact(f, "dev_fuse", "character special file a:e5 660");
        assertFact(f, "link_fd", "/proc/self/fd");
        assertFact(f, "link_stdin", "/proc/self/fd/0");
        assertFact(f, "link_stdout", "/proc/self/fd/1");
        assertFact(f, "link_stderr", "/proc/self/fd/2");
        assertFact(f, "link_ptmx", "pts/ptmx");
        assertFact(f, "zero_read", "00000000");
        assertFact(f, "null_write", "ok");
        assertNothingLeftBehind(id);
    }

    @Test
    void processUserCwdEnvUmaskAndHostname() {
        Bundle b = bundle("b").hostname("box-name").env("CONFORMANCE_VAR=some value")
                .mount("/work", "tmpfs", "tmpfs", "mode=1777");
        ObjectNode user = b.process().putObject("user");
        user.put("uid", 1000).put("gid", 1001).put("umask", 0077);
        user.putArray("additionalGids").add(10).add(20);
        b.process().put("cwd", "/work/sub");
        b.sh("echo uid=$(id -u); echo gid=$(id -g); echo groups=$(id -G); echo pwd=$(pwd);"
                + "echo var=$CONFORMANCE_VAR; echo umask=$(umask); echo hostname=$(hostname);"
                + "touch /work/f && echo fmode=$(stat -c %a /work/f)");
        String id = newId("proc");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        assertFact(f, "uid", "1000");
        assertFact(f, "gid", "1001");
        assertEquals(List.of("10", "1001", "20"), Arrays.stream(f.get("groups").split(" ")).sorted().toList(), f.toString());
        assertFact(f, "pwd", "/work/sub");
        assertFact(f, "var", "some value");
        assertFact(f, "umask", "0077");
        assertFact(f, "fmode", "600");
        assertFact(f, "hostname", "box-name");
        assertNothingLeftBehind(id);
    }

    @Test
    void noPivotRunsInTheRootfs() {
        Bundle b = bundle("b").sh("echo busybox=$(test -x /bin/busybox && echo yes);"
                + " echo host_work=$(test -e " + tmp + " && echo visible || echo hidden);"
                + " echo root=$(awk '$5 == \"/\" {print $4}' /proc/self/mountinfo | tail -n 1)");
        String id = newId("nopivot");
        Map<String, String> f = facts(run(b, id, "--no-pivot").assertOk().out());
        assertFact(f, "busybox", "yes");
        assertFact(f, "host_work", "hidden");
        assertFact(f, "root", b.rootfs.toString());
        assertNothingLeftBehind(id);
    }
}
