/**
 * The Linux namespace kinds, named once: {@link dev.jrunc.namespaces.NamespaceKind} holds, for
 * each, the type name config-linux.md uses in {@code linux.namespaces[].type}, the entry under
 * {@code /proc/PID/ns/} (the name the native helper takes in {@code --join} and
 * {@code --join-fd}), and the {@code CLONE_NEW*} flag {@code unshare(2)}, {@code clone(2)} and
 * {@code setns(2)} take. Spec validation, create, exec, the in-thread init, the engine's
 * same-namespaces check and {@code features} all read these from here.
 *
 * <p>Its constants are declared in the order exec joins a container's namespaces: the user
 * namespace first, since it decides what every other join is allowed to do.
 */
package dev.jrunc.namespaces;
