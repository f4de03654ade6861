package io.tether.bench.scale;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The processes a scale run started, how it starts a java one, and how it stops every one of them on the way out. */
final class Processes {
    private final List<Process> started = new ArrayList<>();

    /** Starts {@code builder}'s process and keeps it to stop. */
    synchronized Process start(ProcessBuilder builder) throws IOException {
        final Process p = builder.start();
        started.add(p);
        return p;
    }

    /** A process that ended by itself: nothing to stop. */
    synchronized void forget(Process p) {
        started.remove(p);
    }

    /** SIGTERM to each, then up to 30 s for each to exit before it is killed. */
    void stopAll() {
        final List<Process> all;
        synchronized (this) {
            all = new ArrayList<>(started);
            started.clear();
        }
        for (Process p : all) {
            p.destroy();
        }
        for (Process p : all) {
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

    /** The java command with the flags the jar's manifest gives it (Agrona, the loop carrier, no Unsafe warning). */
    static List<String> jvm() {
        final List<String> command = new ArrayList<>(List.of(java(), "--add-exports",
            "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 24) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        return command;
    }

    /** The java this run runs on. */
    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
