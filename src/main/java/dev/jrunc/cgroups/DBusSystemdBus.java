package dev.jrunc.cgroups;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.freedesktop.dbus.DBusPath;
import org.freedesktop.dbus.connections.impl.DBusConnection;
import org.freedesktop.dbus.connections.impl.DBusConnectionBuilder;
import org.freedesktop.dbus.exceptions.DBusException;
import org.freedesktop.dbus.matchrules.DBusMatchRule;
import org.freedesktop.dbus.matchrules.DBusMatchRuleBuilder;
import org.freedesktop.dbus.messages.DBusSignal;
import org.freedesktop.dbus.messages.Message;
import org.freedesktop.dbus.messages.MethodCall;
import org.freedesktop.dbus.types.UInt32;
import org.freedesktop.dbus.types.UInt64;

/**
 * {@link SystemdBus} over D-Bus (dbus-java, the JDK's own Unix-domain sockets): the system bus
 * for root; the user's bus for rootless containers, whose units live in the user's own systemd
 * instance. Calls are sent as plain messages with their signatures
 * spelled out, so every argument has exactly the D-Bus type systemd expects.
 *
 * <p>Only the systemd driver loads this class, so verbs on cgroupfs containers never load the
 * library.
 */
final class DBusSystemdBus implements SystemdBus {
    private static final String SYSTEMD = "org.freedesktop.systemd1";
    private static final String MANAGER_PATH = "/org/freedesktop/systemd1";
    private static final String MANAGER = "org.freedesktop.systemd1.Manager";
    private static final long CALL_TIMEOUT_MS = 25_000;
    /** How long systemd may take to run a start or stop job (runc waits as long). */
    private static final long JOB_TIMEOUT_MS = 30_000;

    private final DBusConnection conn;
    private final String busName;
    /** JobRemoved results by job path; the signal may come before the call that made the job returns. */
    private final Map<String, String> finishedJobs = new HashMap<>();
    private AutoCloseable jobSignals;

    private DBusSystemdBus(DBusConnection conn, String busName) {
        this.conn = conn;
        this.busName = busName;
    }

    /** A connection to the system instance of systemd (root's units), over the system bus. */
    static SystemdBus openSystem() {
        return open(null, "the system bus", -1);
    }

    /**
     * A connection to the calling user's systemd instance over the user's bus at address
     * ({@link #userBusAddress}); without a bus or a manager there, the error says so.
     */
    static SystemdBus openUser(String address, long uid) {
        try {
            return open(address, "the user bus " + address, uid);
        } catch (CgroupException e) {
            throw new CgroupException("--systemd-cgroup: no systemd user instance for uid " + uid + ": " + e.getMessage()
                    + " (a rootless container with --systemd-cgroup needs the user's systemd, e.g. a login session or"
                    + " `loginctl enable-linger`)", e);
        }
    }

    /**
     * The user's bus: $DBUS_SESSION_BUS_ADDRESS, else the socket systemd's user instance serves at
     * $XDG_RUNTIME_DIR/bus (runtimeDir: $XDG_RUNTIME_DIR or /run/user/UID).
     */
    static String userBusAddress(java.util.function.Function<String, String> env, java.nio.file.Path runtimeDir) {
        String given = env.apply("DBUS_SESSION_BUS_ADDRESS");
        if (given != null && !given.isBlank()) {
            return given;
        }
        return "unix:path=" + runtimeDir.resolve("bus");
    }

    /**
     * uid (-1: the process's own) is the identity claimed in EXTERNAL authentication: uid 0 of a
     * user namespace (rootless podman's) is the user's host uid to the bus, which compares the
     * claim with the socket's peer credentials.
     */
    private static SystemdBus open(String address, String busName, long uid) {
        DBusConnection conn;
        try {
            DBusConnectionBuilder builder = address == null ? DBusConnectionBuilder.forSystemBus()
                    : DBusConnectionBuilder.forAddress(address);
            if (uid >= 0) {
                builder = builder.transportConfig().configureSasl().withSaslUid(uid).back().back();
            }
            conn = builder.withShared(false).build();
        } catch (DBusException | RuntimeException e) {
            throw new CgroupException("--systemd-cgroup: cannot connect to systemd over D-Bus (" + busName + "): "
                    + reason(e), e);
        }
        DBusSystemdBus bus = new DBusSystemdBus(conn, busName);
        try {
            bus.subscribe();
        } catch (RuntimeException e) {
            bus.close();
            throw e;
        }
        return bus;
    }

    /** Job signals are sent only to subscribed clients; the match rule routes them here. */
    private void subscribe() {
        DBusMatchRule rule = DBusMatchRuleBuilder.create().withType(org.freedesktop.dbus.messages.constants.MessageTypes.SIGNAL).withInterface(MANAGER)
                .withMember("JobRemoved").withPath(MANAGER_PATH).build();
        try {
            jobSignals = conn.addGenericSigHandler(rule, this::jobRemoved);
        } catch (DBusException | RuntimeException e) {
            throw new CgroupException("--systemd-cgroup: cannot watch systemd's jobs on " + busName + ": " + reason(e), e);
        }
        call("Subscribe", "");
    }

    private void jobRemoved(DBusSignal s) {
        try {
            Object[] args = s.getParameters();
            // JobRemoved(u id, o job, s unit, s result)
            synchronized (finishedJobs) {
                finishedJobs.put(args[1].toString(), args[3].toString());
                finishedJobs.notifyAll();
            }
        } catch (DBusException | RuntimeException e) {
            // a malformed signal is not ours to wait for
        }
    }

    @Override
    public void startTransientUnit(String unit, List<UnitProperty> properties) {
        List<Object[]> props = new ArrayList<>();
        for (UnitProperty p : properties) {
            props.add(new Object[] {p.name(), new Object[] {p.signature(), toDBus(p.signature(), p.value())}});
        }
        Object[] reply = call("StartTransientUnit", "ssa(sv)a(sa(sv))", unit, "replace", props, List.of());
        String result = awaitJob(reply[0].toString(), unit);
        if (!result.equals("done")) {
            resetFailedUnit(unit);
            throw new CgroupException("--systemd-cgroup: systemd could not start unit " + unit + ": job " + result);
        }
    }

    @Override
    public void startUnit(String unit) {
        Object[] reply = call("StartUnit", "ss", unit, "replace");
        String result = awaitJob(reply[0].toString(), unit);
        if (!result.equals("done")) {
            throw new CgroupException("--systemd-cgroup: systemd could not start unit " + unit + ": job " + result);
        }
    }

    @Override
    public void stopUnit(String unit) {
        Object[] reply;
        try {
            reply = call("StopUnit", "ss", unit, "replace");
        } catch (NoSuchUnit e) {
            return;
        }
        String result = awaitJob(reply[0].toString(), unit);
        if (!result.equals("done")) {
            dev.jrunc.Log.warn("systemd: stopping unit " + unit + ": job " + result);
        }
    }

    @Override
    public void resetFailedUnit(String unit) {
        try {
            call("ResetFailedUnit", "s", unit);
        } catch (NoSuchUnit e) {
            // nothing to reset
        }
    }

    @Override
    public void setUnitProperties(String unit, List<UnitProperty> properties) {
        if (properties.isEmpty()) {
            return;
        }
        List<Object[]> props = new ArrayList<>();
        for (UnitProperty p : properties) {
            props.add(new Object[] {p.name(), new Object[] {p.signature(), toDBus(p.signature(), p.value())}});
        }
        call("SetUnitProperties", "sba(sv)", unit, true, props);
    }

    @Override
    public int version() {
        try {
            Object[] reply = send("org.freedesktop.DBus.Properties", "Get", "ss", MANAGER, "Version");
            Object v = reply[0];
            if (v instanceof org.freedesktop.dbus.types.Variant<?> variant) {
                v = variant.getValue();
            }
            return parseVersion(String.valueOf(v));
        } catch (CgroupException e) {
            return -1;
        }
    }

    @Override
    public String controlGroup() {
        Object[] reply = send("org.freedesktop.DBus.Properties", "Get", "ss", MANAGER, "ControlGroup");
        Object v = reply.length == 0 ? null : reply[0];
        if (v instanceof org.freedesktop.dbus.types.Variant<?> variant) {
            v = variant.getValue();
        }
        if (!(v instanceof String cg)) {
            throw new CgroupException("--systemd-cgroup: systemd's ControlGroup property on " + busName + " is not a string: " + v);
        }
        return cg;
    }

    /** "252.38-1~deb12u1", "v245.4-1.fc32" or "245": the leading number. */
    static int parseVersion(String s) {
        String t = s.replaceFirst("^[\"v]+", "");
        int end = 0;
        while (end < t.length() && Character.isDigit(t.charAt(end))) {
            end++;
        }
        return end == 0 ? -1 : Integer.parseInt(t.substring(0, end));
    }

    @Override
    public void close() {
        try {
            if (jobSignals != null) {
                jobSignals.close();
            }
        } catch (Exception ignored) {
            // the connection goes anyway
        }
        conn.disconnect();
    }

    private String awaitJob(String job, String unit) {
        long deadline = System.currentTimeMillis() + JOB_TIMEOUT_MS;
        synchronized (finishedJobs) {
            while (!finishedJobs.containsKey(job)) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new CgroupException("--systemd-cgroup: timed out after " + JOB_TIMEOUT_MS / 1000
                            + " s waiting for systemd's job on unit " + unit);
                }
                try {
                    finishedJobs.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CgroupException("--systemd-cgroup: interrupted waiting for systemd's job on unit " + unit);
                }
            }
            return finishedJobs.remove(job);
        }
    }

    /** A call on the manager object; returns the reply's arguments. */
    private Object[] call(String method, String signature, Object... args) {
        return send(MANAGER, method, signature, args);
    }

    private Object[] send(String iface, String method, String signature, Object... args) {
        Message reply;
        try {
            MethodCall mc = conn.getMessageFactory().createMethodCall(SYSTEMD, MANAGER_PATH, iface, method, (byte) 0,
                    signature.isEmpty() ? null : signature, args);
            conn.sendMessage(mc);
            reply = mc.getReply(CALL_TIMEOUT_MS);
        } catch (DBusException | RuntimeException e) {
            throw new CgroupException("--systemd-cgroup: " + method + " failed on " + busName + ": " + reason(e), e);
        }
        if (reply == null) {
            throw new CgroupException("--systemd-cgroup: systemd did not answer " + method + " within "
                    + CALL_TIMEOUT_MS / 1000 + " s on " + busName);
        }
        try {
            Object[] out = reply.getParameters();
            if (reply instanceof org.freedesktop.dbus.messages.Error) {
                String text = out != null && out.length > 0 ? String.valueOf(out[0]) : reply.getName();
                String message = "--systemd-cgroup: systemd refused " + method + ": " + text + " (" + reply.getName() + ")";
                if (reply.getName().equals("org.freedesktop.systemd1.UnitExists")) {
                    throw new UnitExistsException(message);
                }
                if (reply.getName().equals("org.freedesktop.systemd1.NoSuchUnit")) {
                    throw new NoSuchUnit(message);
                }
                throw new CgroupException(message);
            }
            return out == null ? new Object[0] : out;
        } catch (DBusException e) {
            throw new CgroupException("--systemd-cgroup: cannot read systemd's answer to " + method + ": " + reason(e), e);
        }
    }

    /** A unit that is not loaded: no error for stop and reset-failed. */
    private static final class NoSuchUnit extends CgroupException {
        NoSuchUnit(String message) {
            super(message);
        }
    }

    /** A property value as dbus-java marshals the given signature: structs as arrays, variants as {sig, value}. */
    static Object toDBus(String signature, Object value) {
        switch (signature) {
            case "s", "b", "ay" -> {
                return value;
            }
            case "o" -> {
                return new DBusPath(value.toString());
            }
            case "t" -> {
                long v = (long) value;
                return v >= 0 ? new UInt64(v) : new UInt64(new BigInteger(Long.toUnsignedString(v)));
            }
            case "u" -> {
                return new UInt32((long) value);
            }
            default -> { }
        }
        if (signature.startsWith("a")) {
            String element = signature.substring(1);
            List<Object> out = new ArrayList<>();
            for (Object e : (List<?>) value) {
                out.add(toDBus(element, e));
            }
            return out;
        }
        if (signature.equals("(ss)")) {
            List<?> pair = (List<?>) value;
            return new Object[] {pair.get(0), pair.get(1)};
        }
        if (signature.equals("(st)")) {
            UnitProperty.PathValue pv = (UnitProperty.PathValue) value;
            return new Object[] {pv.path(), toDBus("t", pv.value())};
        }
        throw new IllegalArgumentException("no D-Bus conversion for signature " + signature);
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        Throwable c = e.getCause();
        if (c != null && c.getMessage() != null && (m == null || !m.contains(c.getMessage()))) {
            m = (m == null ? "" : m + ": ") + c.getMessage();
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
