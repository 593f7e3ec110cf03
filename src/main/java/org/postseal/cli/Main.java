package org.postseal.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import org.postseal.logging.LogConfigurator;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine;

/**
 * Entry point: runs {@link PostsealCommand} and exits with its code. With {@link SendmailMain} (the lean entry point
 * of {@code postseal-sendmail}), the only place that calls System.exit.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        configureLogging(args);
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line and returns the exit code; for tests and for {@link #main}. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new PostsealCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CommandFailure failure) {
                commandLine.getErr().println("postseal " + commandLine.getCommandName() + ": " + e.getMessage());
                return failure.exitCode();
            }
            commandLine.getErr().println("postseal " + commandLine.getCommandName() + ": internal error: " + e);
            e.printStackTrace(commandLine.getErr());
            return ExitStatus.SOFTWARE;
        });
        cli.setParameterExceptionHandler((e, a) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("postseal " + c.getCommandName() + ": " + e.getMessage());
            c.getErr().println("Try 'postseal " + (c == cli ? "" : c.getCommandName() + " ") + "--help'.");
            return ExitStatus.USAGE;
        });
        return cli.execute(args);
    }

    /**
     * One-shot commands in a pipe, and the sendmail client PHP runs, keep stderr quiet unless asked; daemons log at
     * INFO. {@link LogConfigurator} reads the level when the first logger is made, so this runs before anything logs;
     * it touches no logger itself, so that a command that never logs never starts Logback.
     * {@code -Dpostseal.log.level=debug} (in {@code POSTSEAL_JAVA_OPTS}) wins over both.
     */
    private static void configureLogging(String[] args) {
        boolean verbose = Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v");
        boolean quiet = args.length > 0
                && Arrays.asList("sign", "verify", "genkey", "testkey", "check", "sendmail").contains(args[0]);
        if (System.getProperty(LogConfigurator.LEVEL_PROPERTY) == null) {
            System.setProperty(LogConfigurator.LEVEL_PROPERTY, quiet && !verbose ? "warn" : "info");
        }
    }
}
