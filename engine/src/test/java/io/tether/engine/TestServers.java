package io.tether.engine;

import io.tether.engine.config.ConfigBinder;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.server.TetherServer;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Servers on ephemeral loopback ports, and condition polling for tests. */
public final class TestServers {
    private TestServers() {
    }

    public static TetherConfig config(String... pairs) {
        final Map<String, List<String>> values = new HashMap<>();
        values.put("listen", List.of("tcp://127.0.0.1:0"));
        values.put("io-threads", List.of("2"));
        for (int i = 0; i < pairs.length; i += 2) {
            values.put(pairs[i], List.of(pairs[i + 1]));
        }
        return ConfigBinder.bind(values);
    }

    public static InetSocketAddress address(TetherServer server) {
        return server.boundAddresses().get(0);
    }

    /** Polls until the condition holds, failing after 10 s (never a bare sleep). */
    public static void await(String what, BooleanSupplier condition) {
        await(what, condition, 10);
    }

    /** Polls until the condition holds, failing after {@code seconds}. */
    public static void await(String what, BooleanSupplier condition, int seconds) {
        final long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }
}
