package io.tether.engine;

import io.tether.engine.server.TetherServer;
import io.tether.engine.server.TetherServerBuilder;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One server on an ephemeral loopback port and the raw clients a test opened to it; closing ends them all. */
final class ServerWithRawClients implements AutoCloseable {
    private final List<RawClient> clients = new ArrayList<>();
    private TetherServer server;

    /** Starts a server with the built-in methods and the given settings (kebab-case key, value, ...). */
    TetherServer start(String... config) {
        return start(TetherServer.builder(), config);
    }

    /** Starts a server from a builder that already holds the test's handlers. */
    TetherServer start(TetherServerBuilder builder, String... config) {
        server = builder.config(TestServers.config(config)).start();
        return server;
    }

    TetherServer server() {
        return server;
    }

    long total(Metric metric) {
        return server.counters().total(metric);
    }

    RawClient connect() throws IOException {
        return connect(0);
    }

    /** Connects with a receive buffer of {@code receiveBuffer} bytes (0 for the system's default). */
    RawClient connect(int receiveBuffer) throws IOException {
        final RawClient c = RawClient.connect(TestServers.address(server), receiveBuffer);
        clients.add(c);
        return c;
    }

    @Override
    public void close() throws IOException {
        for (RawClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }
}
