package dev.jrunc.cli;

import picocli.CommandLine.IVersionProvider;

/** `jrunc --version`, in runc's three lines. */
public final class VersionProvider implements IVersionProvider {
    public static final String VERSION = "0.1.0";
    public static final String SPEC_VERSION = "1.2.1";

    @Override
    public String[] getVersion() {
        Package p = VersionProvider.class.getPackage();
        String commit = System.getProperty("jrunc.commit", "unknown");
        return new String[] {"jrunc version " + VERSION, "commit: " + commit, "spec: " + SPEC_VERSION};
    }
}
