package io.tether.engine.log;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A command of the machine the test runs on ({@code mount}, {@code mkfifo}): it succeeds, or the test fails. */
final class HostCommand {
    private HostCommand() {
    }

    /** Runs it to the end (at most 30 s); {@code why} says in the failure what the test needed it for. */
    static void run(String why, String... command) throws IOException, InterruptedException {
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", command) + " failed (" + why + "): " + out);
        }
    }
}
