package io.tether.bench.scale;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** A {@link SessionHolder} process of a scale run, and its command line: one command, one answer. */
final class Holder {
    final int index;
    private final PrintWriter commands;
    private final BufferedReader answers;

    Holder(int index, List<String> endpoints, Path jar, Path out, Processes processes) throws IOException {
        this.index = index;
        final List<String> command = Processes.jvm();
        command.addAll(List.of("-cp", jar.toString(), SessionHolder.class.getName(), String.join(",", endpoints),
            "h" + index + "-"));
        final Process process = processes.start(new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(out.resolve("holder-" + index + ".err").toFile())));
        this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    synchronized String ask(String command) {
        commands.println(command);
        try {
            final String answer = answers.readLine();
            if (answer == null) {
                throw new IllegalStateException("holder " + index + " exited");
            }
            return answer;
        } catch (IOException e) {
            throw new IllegalStateException("holder " + index + ": " + e.getMessage(), e);
        }
    }
}
