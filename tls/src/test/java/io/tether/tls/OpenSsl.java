package io.tether.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real {@code openssl} command line; its absence fails the test (scripts/setup-peers installs it). */
final class OpenSsl {
    static final Path BINARY = Path.of("/usr/bin/openssl");

    record Result(int exitCode, String output) {
    }

    private OpenSsl() {
    }

    /** Runs openssl in a directory and returns its exit code and merged output. */
    static Result run(final Path directory, final String... arguments) throws IOException, InterruptedException {
        if (!Files.isExecutable(BINARY)) {
            throw new AssertionError(BINARY + " is required by this test; run scripts/setup-peers to install it");
        }
        final List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        command.addAll(List.of(arguments));
        final Process process = new ProcessBuilder(command).directory(directory.toFile())
            .redirectErrorStream(true).start();
        process.getOutputStream().close();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("openssl " + String.join(" ", arguments) + " did not finish in 60s");
        }
        return new Result(process.exitValue(), output);
    }

    /** Runs openssl and fails the test when it does not exit 0. */
    static String runOk(final Path directory, final String... arguments) throws IOException, InterruptedException {
        final Result result = run(directory, arguments);
        if (result.exitCode() != 0) {
            throw new AssertionError("openssl " + String.join(" ", arguments) + " exited " + result.exitCode() +
                ":\n" + result.output());
        }
        return result.output();
    }
}
