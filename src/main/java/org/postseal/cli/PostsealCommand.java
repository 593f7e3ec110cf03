package org.postseal.cli;

import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The root command: {@code postseal <sub-command>}. */
@Command(name = "postseal",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "DKIM signing and verifying for Postfix.",
        subcommands = {SignCommand.class, VerifyCommand.class, GenkeyCommand.class, MilterDaemonCommand.class,
            SmarthostCommand.class, SendmailCommand.class, QueueCommand.class,
            TestkeyCommand.class, CheckCommand.class, ReloadCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:success", " 1:not verified (verify), key mismatch (testkey), warnings (check --strict)",
            " 2:published key too short (testkey)",
            "64:usage error", "65:data error (malformed message or key)", "66:no input file",
            "68:no key record published (testkey)", "69:no such daemon running (reload)", "74:I/O error",
            "75:temporary failure (DNS down)",
            "76:published record is not a DKIM key (testkey)", "77:may not signal the daemon (reload)",
            "78:configuration error"})
final class PostsealCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
        throw new CommandFailure(ExitStatus.USAGE, "a sub-command is required");
    }
}
