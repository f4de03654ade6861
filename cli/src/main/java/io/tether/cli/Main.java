package io.tether.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code tether.jar}. */
@Command(name = "tether", mixinStandardHelpOptions = true, version = "tether 0.1.0",
        description = "A long-connection session engine.")
public final class Main implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
