package dev.vessels.cli;

import java.io.PrintWriter;

import dev.vessels.core.VesselsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code bin/vessels}: exit 0 on success, 2 on a usage error, 1 on any other failure. */
@Command(name = "vessels", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Fast, memory-frugal deep-learning prediction for trusted processors (Darknet models).",
        subcommands = {PredictCommand.class, BenchCommand.class, ProfileCommand.class, SealCommand.class, KeygenCommand.class, ServeCommand.class, ReproduceCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the CLI with the given streams and returns its exit code (tests call this). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println("vessels: out of memory (" + e.getMessage() + "); raise the heap with VESSELS_JAVA_OPTS=-Xmx...");
            return 1;
        }
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            if (ex instanceof VesselsException) {
                err.println("vessels: " + ex.getMessage());
            } else {
                err.println("vessels: internal error: " + ex);
                ex.printStackTrace(err);
            }
            err.flush();
            return 1;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("vessels: " + ex.getMessage());
            err.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return 2;
        });
        return cl;
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"vessels " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ", "
                    + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() + "-lane float vectors)"};
        }
    }
}
