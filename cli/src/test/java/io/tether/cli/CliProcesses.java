package io.tether.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The CLI in a child JVM on this module's class path, with the flags the jar's manifest gives it. */
final class CliProcesses {
    private CliProcesses() {
    }

    static Process tether(String... args) throws IOException {
        return tether(ProcessBuilder.Redirect.PIPE, ProcessBuilder.Redirect.DISCARD, args);
    }

    /** As {@link #tether(String...)}, with the child's stdout and stderr sent where the test says. */
    static Process tether(ProcessBuilder.Redirect stdout, ProcessBuilder.Redirect stderr, String... args)
        throws IOException {
        return new ProcessBuilder(command(args)).redirectOutput(stdout).redirectError(stderr).start();
    }

    /** The command line that runs the CLI with {@code args}. */
    static List<String> command(String... args) {
        final String java = ProcessHandle.current().info().command().orElse("java");
        final List<String> command = new ArrayList<>(List.of(java,
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/java.lang=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
