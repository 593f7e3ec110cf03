package org.postseal.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version from the jar's manifest (or "development" when run from classes). */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Main.class.getPackage().getImplementationVersion();
        return new String[] {"postseal " + (version == null ? "development" : version)};
    }
}
