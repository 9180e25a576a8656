package dev.jrunc.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The rootfs where runc (and the spec) go further than the basics of {@link RootfsIT}: --no-pivot
 * without the host's /proc, recursive mount options, idmapped mounts, every rootfsPropagation, no
 * mount namespace, a read-only /dev, destinations through symlinks, a root.path outside the bundle.
 * Checked from inside the container (mountinfo, EROFS, a refused mount) and, for what must not be
 * left behind, from the host.
 */
class RootfsParityIT extends ContainerTest {
    /** Mounts this test made on the host (all under its own temporary directory), unmounted after it. */
    private final List<Path> hostMounts = new ArrayList<>();

    @AfterEach
    void unmountOwnMounts() {
        for (Path p : hostMounts.reversed()) host("umount", "-l", p.toString());
    }

    /** A command on the host, for the test's own set-up (a tmpfs under its directory); must succeed. */
    private static String host(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) throw new AssertionError(String.join(" ", cmd) + " failed: " + out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private Path tmpfs(Path dir, String... options) throws IOException {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of("mount", "-t", "tmpfs"));
        if (options.length > 0) cmd.addAll(List.of("-o", String.join(",", options)));
        cmd.addAll(List.of("tmpfs", dir.toString()));
        host(cmd.toArray(String[]::new));
        hostMounts.add(dir);
        return dir;
    }

    private static List<String> hostMountsUnder(Path dir) {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.split(" ")[4].startsWith(dir.toString())).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mountinfo line whose mount point is exactly mountPoint (the last one: the top). */
    private static String mountLine(String mountinfo, String mountPoint) {
        return mountinfo.lines().filter(l -> l.split(" ").length > 4 && l.split(" ")[4].equals(mountPoint))
                .reduce((a, b) -> b).orElse("");
    }

    /** The optional fields of a mountinfo line (propagation): "shared:1 master:2", "unbindable", "". */
    private static String propagation(String line) {
        String[] f = line.split(" - ")[0].split(" ");
        return String.join(" ", java.util.Arrays.copyOfRange(f, 6, f.length));
    }

    private static void addCaps(Bundle b, String... caps) {
        ObjectNode c = (ObjectNode) b.process().get("capabilities");
        for (String set : List.of("bounding", "effective", "permitted")) {
            ArrayNode a = (ArrayNode) c.get(set);
            for (String cap : caps) a.add(cap);
        }
    }

    // ------------------------------------------------------------------ 1. --no-pivot

    /**
     * With the host's /proc still somewhere in the container's mount namespace, a nested user
     * namespace could mount a proc of its own (the kernel allows it where one is fully visible,
     * reachable or not), bare of the masks. runc refuses it too.
     */
    @Test
    void noPivotLeavesNoHostProcForANestedUserNamespaceToCopy() {
        for (boolean userns : new boolean[] {false, true}) {
            Bundle b = bundle(userns ? "userns" : "plain");
            // Writing "0 0 1" to the nested uid_map needs CAP_SETFCAP; nothing else is granted.
            addCaps(b, "CAP_SETFCAP");
            if (userns) {
                b.namespace("user", null).idMappings(0, 100000, 65536);
                b.chownRootfs(100000, 100000);
            }
            b.sh("unshare -mrpfn sh -c 'echo nested=yes; mount -t proc proc /proc 2>/dev/null && echo proc=mounted || echo proc=refused;"
                    + " mount -t sysfs sysfs /sys 2>/dev/null && echo sysfs=mounted || echo sysfs=refused'");
            for (String mode : List.of("--no-pivot", "pivot")) {
                String id = newId("nopivot");
                Map<String, String> f = facts(mode.equals("pivot") ? run(b, id).assertOk().out()
                        : run(b, id, "--no-pivot").assertOk().out());
                String what = (userns ? "user namespace, " : "") + mode + ": " + f;
                assertEquals("yes", f.get("nested"), what);
                assertEquals("refused", f.get("proc"), what);
                assertEquals("refused", f.get("sysfs"), what);
                assertNothingLeftBehind(id);
            }
        }
    }

    // ------------------------------------------------------------------ 2. recursive options, idmap

    @Test
    void recursiveOptionsReachSubmounts() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        tmpfs(src.resolve("sub"));
        Files.writeString(src.resolve("sub/tool"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(src.resolve("sub/tool"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path roSrc = Files.createDirectories(tmp.resolve("rosrc"));
        tmpfs(roSrc.resolve("sub"));
        // read-only for this mount only (the tmpfs itself stays writable)
        host("mount", "-o", "remount,bind,ro", roSrc.resolve("sub").toString());

        Bundle b = bundle("b")
                .mount("/mnt/rro", "bind", src.toString(), "rbind", "rro")
                .mount("/mnt/ro", "bind", src.toString(), "rbind", "ro")
                .mount("/mnt/flags", "bind", src.toString(), "rbind", "rnosuid", "rnodev", "rnoexec", "rnoatime")
                .mount("/mnt/rrw", "bind", roSrc.toString(), "rbind", "rrw");
        b.sh("echo rro_top=$(touch /mnt/rro/top 2>&1); echo rro_sub=$(touch /mnt/rro/sub/x 2>&1);"
                + " touch /mnt/ro/sub/x 2>/dev/null && echo ro_sub=writable;"
                + " /mnt/flags/sub/tool 2>/dev/null || echo noexec_sub=refused;"
                + " touch /mnt/rrw/sub/x && echo rrw_sub=writable;"
                + " echo ---; cat /proc/self/mountinfo");
        String id = newId("rec");
        String out = run(b, id).assertOk().out();
        Map<String, String> f = facts(out.substring(0, out.indexOf("---")));
        assertContains(f.get("rro_top"), "Read-only file system");
        assertContains(f.get("rro_sub"), "Read-only file system");
        assertEquals("writable", f.get("ro_sub"), "plain ro stays on the top mount, as mount(8) does it");
        assertEquals("refused", f.get("noexec_sub"));
        assertEquals("writable", f.get("rrw_sub"), "rrw clears read-only under the bind too");
        String flags = mountLine(out, "/mnt/flags/sub").split(" ")[5];
        for (String o : List.of("nosuid", "nodev", "noexec", "noatime")) assertContains(flags, o);
        assertTrue(mountLine(out, "/mnt/rro/sub").split(" ")[5].startsWith("ro"), mountLine(out, "/mnt/rro/sub"));
        assertTrue(mountLine(out, "/mnt/rrw/sub").split(" ")[5].startsWith("rw"), mountLine(out, "/mnt/rrw/sub"));
        assertTrue(hostMountsUnder(roSrc).getFirst().split(" ")[5].startsWith("ro"), "the host's own mount stays read-only");
        assertNothingLeftBehind(id);
    }

    /**
     * The clearing options (rsuid, rdev, rexec), the atime modes (rstrictatime, rrelatime) and
     * rnosymfollow, on a submount the host made nosuid,nodev,noexec,noatime: each flag is seen in
     * the submount's mountinfo line and bites (the tool runs, a symlink is not followed).
     */
    @Test
    void clearingAtimeAndNosymfollowOptionsReachSubmounts() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path sub = tmpfs(src.resolve("sub"), "nosuid", "nodev", "noexec", "noatime");
        Files.writeString(sub.resolve("tool"), "#!/bin/sh\necho ran\n");
        Files.setPosixFilePermissions(sub.resolve("tool"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(sub.resolve("target"), "followed\n");
        Files.createSymbolicLink(sub.resolve("link"), Path.of("target"));

        Bundle b = bundle("b")
                .mount("/mnt/plain", "bind", src.toString(), "rbind")
                .mount("/mnt/clear", "bind", src.toString(), "rbind", "rsuid", "rdev", "rexec", "rstrictatime")
                .mount("/mnt/rel", "bind", src.toString(), "rbind", "rrelatime")
                .mount("/mnt/nosym", "bind", src.toString(), "rbind", "rnosymfollow");
        b.sh("/mnt/plain/sub/tool >/dev/null 2>&1 || echo plain_exec=refused; echo clear_exec=$(/mnt/clear/sub/tool 2>&1);"
                + " echo plain_link=$(cat /mnt/plain/sub/link 2>&1); echo nosym_link=$(cat /mnt/nosym/sub/link 2>&1);"
                + " echo ---; cat /proc/self/mountinfo");
        String id = newId("recclear");
        String out = run(b, id).assertOk().out();
        Map<String, String> f = facts(out.substring(0, out.indexOf("---")));
        assertEquals("refused", f.get("plain_exec"), "the host's noexec is kept by a plain rbind: " + f);
        assertEquals("ran", f.get("clear_exec"), "rexec cleared noexec on the submount: " + f);
        assertEquals("followed", f.get("plain_link"), f.toString());
        assertContains(f.get("nosym_link"), "Too many levels of symbolic links");

        List<String> plain = List.of(mountLine(out, "/mnt/plain/sub").split(" ")[5].split(","));
        assertTrue(plain.containsAll(List.of("nosuid", "nodev", "noexec", "noatime")), plain.toString());
        List<String> clear = List.of(mountLine(out, "/mnt/clear/sub").split(" ")[5].split(","));
        for (String gone : List.of("nosuid", "nodev", "noexec", "noatime", "relatime")) {
            assertFalse(clear.contains(gone), "rsuid,rdev,rexec,rstrictatime: " + gone + " in " + clear);
        }
        List<String> rel = List.of(mountLine(out, "/mnt/rel/sub").split(" ")[5].split(","));
        assertTrue(rel.contains("relatime") && !rel.contains("noatime"), rel.toString());
        List<String> nosym = List.of(mountLine(out, "/mnt/nosym/sub").split(" ")[5].split(","));
        assertTrue(nosym.contains("nosymfollow"), nosym.toString());
        List<String> hostSub = List.of(hostMountsUnder(src).getFirst().split(" ")[5].split(","));
        assertTrue(hostSub.containsAll(List.of("nosuid", "nodev", "noexec", "noatime")), "the host's mount is unchanged: " + hostSub);
        assertNothingLeftBehind(id);
    }

    @Test
    void idmappedBindShowsTheMappedOwner() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(src.resolve("owned"), "x");
        Files.setAttribute(src.resolve("owned"), "unix:uid", 1000);
        Files.setAttribute(src.resolve("owned"), "unix:gid", 1001);
        Bundle b = bundle("b").mount("/mnt/plain", "bind", src.toString(), "bind").mount("/mnt/idmapped", "bind", src.toString(), "bind", "idmap");
        ObjectNode idm = (ObjectNode) b.mounts().get(b.mounts().size() - 1);
        idm.putArray("uidMappings").addObject().put("containerID", 1000).put("hostID", 2000).put("size", 1);
        idm.putArray("gidMappings").addObject().put("containerID", 1001).put("hostID", 3000).put("size", 1);
        b.sh("echo plain=$(stat -c %u:%g /mnt/plain/owned); echo idmapped=$(stat -c %u:%g /mnt/idmapped/owned);"
                + " grep -q ' /mnt/idmapped .*idmapped' /proc/self/mountinfo && echo flagged=yes");
        String id = newId("idmap");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        assertEquals("1000:1001", f.get("plain"), f.toString());
        assertEquals("2000:3000", f.get("idmapped"), f.toString());
        assertEquals("yes", f.get("flagged"), f.toString());
        assertNothingLeftBehind(id);
    }

    @Test
    void idmapWithoutMappingsUsesTheContainersUserNamespace() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(src.resolve("rootfile"), "x");
        Files.setAttribute(src, "unix:mode", 0777);
        Bundle b = bundle("b").namespace("user", null).idMappings(0, 100000, 65536);
        b.chownRootfs(100000, 100000);
        b.mount("/mnt/plain", "bind", src.toString(), "rbind").mount("/mnt/mapped", "bind", src.toString(), "rbind", "ridmap");
        b.sh("echo plain=$(stat -c %u /mnt/plain/rootfile); echo mapped=$(stat -c %u /mnt/mapped/rootfile);"
                + " touch /mnt/mapped/made && echo made=$(stat -c %u /mnt/mapped/made)");
        String id = newId("idmapns");
        Map<String, String> f = facts(run(b, id).assertOk().out());
        assertEquals("65534", f.get("plain"), "host root is nobody in the container: " + f);
        assertEquals("0", f.get("mapped"), "through the idmapped mount host root is the container's root: " + f);
        assertEquals("0", f.get("made"), f.toString());
        assertEquals(0, Files.getAttribute(src.resolve("made"), "unix:uid"), "written as host root on disk");
        assertNothingLeftBehind(id);
    }

    @Test
    void idmapErrorsNameTheField() {
        Bundle b = bundle("b").mount("/mnt/t", "tmpfs", "tmpfs", "idmap");
        String id = newId("badidmap");
        Jrunc.Result r = run(b, id).assertExit(1);
        assertContains(r.err(), "$.mounts[" + (b.mounts().size() - 1) + "].options");
        assertNotContains(r.err(), "Exception");
        assertNothingLeftBehind(id);

        Bundle c = bundle("c").mount("/mnt/d", "bind", tmp.toString(), "bind", "idmap");
        Jrunc.Result r2 = run(c, newId("badidmap")).assertExit(1);
        assertContains(r2.err(), "there is none");
        try {
            var features = Bundle.JSON.readTree(jrunc.run("features").assertOk().out());
            assertTrue(features.path("linux").path("mountExtensions").path("idmap").path("enabled").asBoolean(), features.toString());
            List<String> options = new ArrayList<>();
            features.path("mountOptions").forEach(o -> options.add(o.asText()));
            assertTrue(options.containsAll(List.of("idmap", "ridmap", "rro", "rnosuid", "rnoexec", "rrelatime")), options.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ 3. rootfsPropagation

    /**
     * Each value read back from the root's line in the container's mountinfo. The bundle lies on a
     * shared mount of the test's own, so that "slave" has a master to show (and shared, before,
     * made pivot_root fail with EINVAL).
     */
    @Test
    void everyRootfsPropagation() throws IOException {
        Path shared = tmpfs(tmp.resolve("shared"));
        host("mount", "--make-shared", shared.toString());
        String hostGroup = propagation(mountLine(Files.readString(Path.of("/proc/self/mountinfo")), shared.toString()));
        assertTrue(hostGroup.startsWith("shared:"), hostGroup);
        String group = hostGroup.substring("shared:".length());

        Bundle b = bundle("shared/b").sh("awk '$5 == \"/\"' /proc/self/mountinfo");
        for (String value : List.of("shared", "slave", "private", "unbindable", "rshared", "rslave")) {
            for (String mode : List.of("pivot", "--no-pivot")) {
                b.linux().put("rootfsPropagation", value);
                String id = newId("prop");
                Jrunc.Result r = mode.equals("pivot") ? run(b, id) : run(b, id, "--no-pivot");
                String root = r.assertOk().out().strip();
                String p = propagation(root);
                String what = value + " " + mode + ": " + root;
                switch (value) {
                    case "shared", "rshared" -> {
                        assertTrue(p.startsWith("shared:"), what);
                        assertNotEquals("shared:" + group, p, "a new peer group, not the host's: " + what);
                    }
                    case "slave", "rslave" -> assertEquals("master:" + group, p, what);
                    case "private" -> assertEquals("", p, what);
                    case "unbindable" -> assertEquals("unbindable", p, what);
                    default -> throw new AssertionError(value);
                }
                assertNothingLeftBehind(id);
            }
        }
    }

    /** slave receives the host's mount events; private does not. */
    @Test
    void aSlaveRootSeesWhatTheHostMountsLater() throws IOException {
        Path shared = tmpfs(tmp.resolve("shared"));
        host("mount", "--make-shared", shared.toString());
        for (String value : List.of("slave", "private")) {
            Bundle b = bundle("shared/" + value).sh("cat /mnt/late/hello 2>/dev/null || echo none");
            Files.createDirectories(b.rootfs.resolve("mnt/late"));
            b.linux().put("rootfsPropagation", value);
            String id = newId("late");
            Jrunc.Result created = create(b, id).assertOk();
            Path late = tmpfs(b.rootfs.resolve("mnt/late"));
            Files.writeString(late.resolve("hello"), "from-the-host\n");
            jrunc.run("start", id).assertOk();
            String out = waitForOutput(created, "\n").strip();
            assertEquals(value.equals("slave") ? "from-the-host" : "none", out, value);
            jrunc.run("delete", "--force", id).assertOk();
            host("umount", late.toString());
            hostMounts.remove(late);
        }
    }

    // ------------------------------------------------------------------ 4. no mount namespace

    @Test
    void withoutAMountNamespaceTheRootIsAChrootAndDeleteUnmountsWhatCreateMounted() {
        Bundle b = bundle("b").removeNamespace("mount")
                .sh("echo mntns=$(readlink /proc/self/ns/mnt); echo busybox=$(test -x /bin/busybox && echo yes);"
                        + " echo host_tmp=$(test -e " + tmp + " && echo visible || echo hidden); echo pid=$$");
        String id = newId("nomnt");
        Jrunc.Result created = create(b, id).assertOk();
        List<String> during = hostMountsUnder(b.rootfs);
        assertTrue(during.stream().anyMatch(l -> l.split(" ")[4].equals(b.rootfs + "/proc")), during.toString());
        assertTrue(during.stream().anyMatch(l -> l.split(" ")[4].equals(b.rootfs + "/dev")), during.toString());

        Map<String, String> exec = facts(jrunc.run("exec", id, "sh", "-c",
                "echo exec_busybox=$(test -x /bin/busybox && echo yes); echo exec_host_tmp=$(test -e " + tmp
                        + " && echo visible || echo hidden)").assertOk().out());
        assertEquals("yes", exec.get("exec_busybox"), "exec runs in the container's root: " + exec);
        assertEquals("hidden", exec.get("exec_host_tmp"), exec.toString());

        jrunc.run("start", id).assertOk();
        Map<String, String> f = facts(waitForOutput(created, "pid="));
        assertEquals(hostNs("mnt"), f.get("mntns"), "the runtime's mount namespace: " + f);
        assertEquals("yes", f.get("busybox"), f.toString());
        assertEquals("hidden", f.get("host_tmp"), f.toString());
        assertEquals("1", f.get("pid"), f.toString());

        jrunc.run("delete", id).assertOk();
        assertEquals(List.of(), hostMountsUnder(b.rootfs), "nothing of the container's left mounted on the host");
        assertNothingLeftBehind(id);
    }

    @Test
    void withoutAMountNamespaceAFailedCreateUnmountsAndRemovesWhatItMade() throws IOException {
        Bundle b = bundle("b").removeNamespace("mount").args("/no/such/program")
                .mount("/mnt/made/here", "tmpfs", "tmpfs", "size=1m");
        Files.delete(b.rootfs.resolve("dev"));
        List<String> before = tree(b.rootfs);
        String id = newId("nomntfail");
        Jrunc.Result r = create(b, id).assertExit(1);
        assertContains(r.err(), "/no/such/program");
        assertEquals(List.of(), hostMountsUnder(b.rootfs));
        assertEquals(before, tree(b.rootfs), "the mount points it made are gone");
        assertNothingLeftBehind(id);
    }

    @Test
    void aNewUserNamespaceWithoutAMountNamespaceIsRefused() {
        Bundle b = bundle("b").removeNamespace("mount").namespace("user", null).idMappings(0, 100000, 65536);
        String id = newId("usernomnt");
        Jrunc.Result r = run(b, id).assertExit(1);
        assertContains(r.err(), "$.linux.namespaces");
        assertEquals(List.of(), hostMountsUnder(b.rootfs));
        assertNothingLeftBehind(id);
    }

    // ------------------------------------------------------------------ 5. read-only /dev

    @Test
    void aReadOnlyDevIsFilledThenMadeReadOnly() {
        Bundle b = bundle("b");
        for (var m : b.mounts()) {
            if (m.path("destination").asText().equals("/dev")) ((ArrayNode) m.get("options")).add("ro");
        }
        b.sh("echo dev_write=$(touch /dev/new 2>&1); echo null=$(echo x > /dev/null && echo ok);"
                + " echo pts=$(test -d /dev/pts && echo yes); echo shm=$(echo x > /dev/shm/f && echo writable);"
                + " echo ptmx=$(readlink /dev/ptmx); echo ---; cat /proc/self/mountinfo");
        String id = newId("rodev");
        String out = run(b, id).assertOk().out();
        Map<String, String> f = facts(out.substring(0, out.indexOf("---")));
        assertContains(f.get("dev_write"), "Read-only file system");
        assertEquals("ok", f.get("null"));
        assertEquals("yes", f.get("pts"));
        assertEquals("writable", f.get("shm"));
        assertEquals("pts/ptmx", f.get("ptmx"));
        assertTrue(mountLine(out, "/dev").split(" ")[5].startsWith("ro,"), mountLine(out, "/dev"));
        assertNothingLeftBehind(id);
    }

    // ------------------------------------------------------------------ 6. destinations through symlinks

    @Test
    void aDestinationThroughADanglingSymlinkIsCreatedInsideTheRootfs() throws IOException {
        String escape = "jrunc-escape-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Bundle b = bundle("b").mount("/var/run/app", "tmpfs", "tmpfs", "size=1m")
                .mount("/data/x", "tmpfs", "tmpfs", "size=1m")
                .sh("grep -E ' /run/app | /" + escape + "/x ' /proc/self/mountinfo | awk '{print \"mount=\" $5}';"
                        + " echo app=$(test -d /var/run/app && echo yes)");
        Files.createDirectories(b.rootfs.resolve("var"));
        Files.createSymbolicLink(b.rootfs.resolve("var/run"), Path.of("/run"));
        // Climbing out with ".." stops at the container's root.
        Files.createSymbolicLink(b.rootfs.resolve("data"), Path.of("../../../../../../" + escape));
        String id = newId("symdest");
        String out = run(b, id).assertOk().out();
        assertContains(out, "mount=/run/app");
        assertContains(out, "mount=/" + escape + "/x");
        assertEquals("yes", facts(out).get("app"));
        assertTrue(Files.isDirectory(b.rootfs.resolve("run/app")), "made inside the rootfs");
        assertTrue(Files.isDirectory(b.rootfs.resolve(escape + "/x")), "made inside the rootfs");
        for (Path above = b.rootfs.getParent(); above != null; above = above.getParent()) {
            assertFalse(Files.exists(above.resolve(escape)), "nothing outside the rootfs: " + above.resolve(escape));
        }
        assertNothingLeftBehind(id);
    }

    // ------------------------------------------------------------------ 7. root.path outside the bundle

    @Test
    void aRootPathOutsideTheBundleWorksAndAFailedCreateLeavesItAsItWas() throws IOException {
        // A scratch tree of the test's own: the bundle is scratch/a/b/c, the rootfs scratch itself.
        Bundle donor = bundle("donor");
        Path scratch = tmp.resolve("scratch");
        Path bundleDir = Files.createDirectories(scratch.resolve("a/b/c"));
        Files.createDirectories(scratch.resolve("bin"));
        Files.copy(donor.rootfs.resolve("bin/busybox"), scratch.resolve("bin/busybox"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(scratch.resolve("bin/sh"), Path.of("busybox"));
        Files.createSymbolicLink(scratch.resolve("bin/cat"), Path.of("busybox"));
        ObjectNode config = donor.config.deepCopy();
        ((ObjectNode) config.get("root")).put("path", "../../..").put("readonly", false);
        ArrayNode args = ((ObjectNode) config.get("process")).putArray("args");
        args.add("/no/such/program");
        Files.writeString(bundleDir.resolve("config.json"), Bundle.JSON.writeValueAsString(config));
        List<String> before = tree(scratch);

        String failing = newId("outside");
        Jrunc.Result r = jrunc.run("create", "--bundle", bundleDir.toString(), failing).assertExit(1);
        assertContains(r.err(), "/no/such/program");
        assertEquals(before, tree(scratch), "no dev, proc or sys left in the rootfs");
        assertEquals(List.of(), hostMountsUnder(scratch));
        assertFalse(Files.exists(tmp.resolve("dev")) || Files.exists(tmp.resolve("proc")), "nothing above the rootfs");

        args.removeAll().add("sh").add("-c").add("test -f /a/b/c/config.json && echo root=scratch");
        Files.writeString(bundleDir.resolve("config.json"), Bundle.JSON.writeValueAsString(config));
        String ok = newId("outside");
        Jrunc.Result good = jrunc.run("run", "--bundle", bundleDir.toString(), ok).assertOk();
        assertEquals("scratch", facts(good.out()).get("root"), good.toString());
        assertEquals(List.of(), hostMountsUnder(scratch));
    }

    private static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
