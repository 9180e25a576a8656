package dev.jrunc.cgroups;

import java.util.List;

/**
 * The calls the systemd cgroup driver makes on systemd's manager object
 * (org.freedesktop.systemd1.Manager). The real one speaks D-Bus ({@link DBusSystemdBus}); tests
 * use a recording fake. Each blocking call waits for systemd's job to finish.
 */
public interface SystemdBus extends AutoCloseable {

    /**
     * StartTransientUnit(name, "replace", properties) and waits for the job.
     *
     * @throws UnitExistsException when a unit of that name is already loaded
     */
    void startTransientUnit(String unit, List<UnitProperty> properties);

    /** StartUnit(name, "replace") and waits for the job (slices load without a unit file). */
    void startUnit(String unit);

    /** StopUnit(name, "replace") and waits for the job; a unit that is not loaded is no error. */
    void stopUnit(String unit);

    /** ResetFailedUnit(name): lets systemd forget a failed unit; a unit that is not loaded is no error. */
    void resetFailedUnit(String unit);

    /** SetUnitProperties(name, runtime=true, properties). */
    void setUnitProperties(String unit, List<UnitProperty> properties);

    /** The manager's Version property as a number ("252.38-1~deb12u1" is 252), -1 if unreadable. */
    int version();

    /**
     * The manager's ControlGroup property: the cgroup (from the hierarchy's root) the instance's
     * units live under; "" or "/" for the system instance, e.g.
     * "/user.slice/user-1000.slice/user@1000.service" for a user's.
     */
    String controlGroup();

    @Override
    void close();

    /** Opens a connection to the systemd instance the driver works with. */
    @FunctionalInterface
    interface Connector {
        SystemdBus open();
    }

    /** systemd refused StartTransientUnit because the unit exists. */
    final class UnitExistsException extends CgroupException {
        public UnitExistsException(String message) {
            super(message);
        }
    }
}
