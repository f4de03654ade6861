package io.tether.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.Executor;

/**
 * Connects an {@link EngineClient} to a server {@link TlsConnection} in memory and moves bytes
 * both ways until neither side has anything to say. Bytes for the server are cut into random
 * pieces, as TCP may deliver them.
 */
final class InMemoryWire {
    final EngineClient client;
    final TlsConnection server;
    final MemorySink serverSink;
    final RecordingEvents serverEvents;
    private final Random random;
    private final int maxPiece;
    private IOException serverFailure;

    InMemoryWire(
        final EngineClient client, final TlsConnection server, final MemorySink serverSink,
        final RecordingEvents serverEvents, final long seed, final int maxPiece) {
        this.client = client;
        this.server = server;
        this.serverSink = serverSink;
        this.serverEvents = serverEvents;
        this.random = new Random(seed);
        this.maxPiece = maxPiece;
    }

    /** Builds a server connection for the engine and wires it to the client. */
    static InMemoryWire connect(
        final EngineClient client, final javax.net.ssl.SSLEngine serverEngine, final TlsBuffers buffers,
        final long seed, final int maxPiece) {
        return connect(client, serverEngine, buffers, null, seed, maxPiece);
    }

    /** As {@link #connect(EngineClient, javax.net.ssl.SSLEngine, TlsBuffers, long, int)}, with a task executor. */
    static InMemoryWire connect(
        final EngineClient client, final javax.net.ssl.SSLEngine serverEngine, final TlsBuffers buffers,
        final Executor taskExecutor, final long seed, final int maxPiece) {
        final MemorySink sink = new MemorySink();
        final RecordingEvents events = new RecordingEvents();
        final TlsConnection server = new TlsConnection(serverEngine, buffers, sink, events, taskExecutor);
        return new InMemoryWire(client, server, sink, events, seed, maxPiece);
    }

    /** Moves bytes until both sides are quiet or one side failed. */
    InMemoryWire exchange() {
        for (int round = 0; round < 10_000; round++) {
            final byte[] toServer = client.takeOutput();
            if (serverFailure == null) {
                feedServer(toServer);
            }
            final byte[] toClient = serverSink.take();
            if (toClient.length > 0) {
                client.receive(toClient);
            }
            if (toServer.length == 0 && toClient.length == 0) {
                return this;
            }
        }
        throw new AssertionError("the peers kept talking for 10000 rounds");
    }

    /** @return the error the server's pump threw, or null. */
    IOException serverFailure() {
        return serverFailure;
    }

    void feedServer(final byte[] bytes) {
        int offset = 0;
        try {
            while (offset < bytes.length) {
                final int length = Math.min(bytes.length - offset, 1 + random.nextInt(maxPiece));
                final ByteBuffer piece = ByteBuffer.wrap(bytes, offset, length);
                server.onNetworkRead(piece);
                if (piece.hasRemaining()) {
                    throw new AssertionError("the pump left " + piece.remaining() + " bytes unread");
                }
                offset += length;
            }
        } catch (final IOException ex) {
            serverFailure = ex;
        }
    }
}
