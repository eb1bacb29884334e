package dev.vessels.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code reproduce}: the paper's evaluations, one subcommand each. */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = "Reproduce the Vessels paper's evaluation in emulated SGX enclaves (every SGX figure is emulated).",
        subcommands = {ReproduceSingleCommand.class, ReproduceConcurrentCommand.class})
public final class ReproduceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (single or concurrent)");
    }
}
