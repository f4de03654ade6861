package io.tether.tls;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * A TLS peer driven the plainest way: a bare SSLEngine, tasks run inline, buffers that grow. It
 * is independent of {@link TlsConnection} so that the two check each other.
 */
final class EngineClient {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    final SSLEngine engine;
    private final ByteArrayOutputStream toServer = new ByteArrayOutputStream();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private ByteBuffer fromServer = ByteBuffer.allocate(0);
    private SSLException failure;

    EngineClient(final SSLEngine engine) {
        this.engine = engine;
    }

    /** Starts the handshake and queues the ClientHello. */
    void begin() {
        try {
            engine.beginHandshake();
        } catch (final SSLException ex) {
            failure = ex;
        }
        step();
    }

    /** Takes bytes the server wrote and processes them. */
    void receive(final byte[] bytes) {
        final ByteBuffer joined = ByteBuffer.allocate(fromServer.remaining() + bytes.length);
        fromServer = joined.put(fromServer).put(bytes).flip();
        step();
    }

    /** Encrypts application bytes for the server. */
    void send(final byte[] plaintext) {
        final ByteBuffer src = ByteBuffer.wrap(plaintext);
        try {
            while (src.hasRemaining()) {
                wrap(src);
            }
        } catch (final SSLException ex) {
            failure = ex;
        }
        step();
    }

    void closeOutbound() {
        engine.closeOutbound();
        step();
    }

    byte[] takeOutput() {
        final byte[] bytes = toServer.toByteArray();
        toServer.reset();
        return bytes;
    }

    byte[] takeReceived() {
        final byte[] bytes = received.toByteArray();
        received.reset();
        return bytes;
    }

    /** @return the error that ended the connection, or null. */
    SSLException failure() {
        return failure;
    }

    private void step() {
        try {
            while (failure == null) {
                final HandshakeStatus status = engine.getHandshakeStatus();
                if (status == HandshakeStatus.NEED_TASK) {
                    for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                        task.run();
                    }
                } else if (status == HandshakeStatus.NEED_WRAP) {
                    if (wrap(EMPTY).bytesProduced() == 0 && engine.getHandshakeStatus() == HandshakeStatus.NEED_WRAP) {
                        return;
                    }
                } else if (!fromServer.hasRemaining() || engine.isInboundDone() || !unwrap()) {
                    return;
                }
            }
        } catch (final SSLException ex) {
            failure = ex;
            // Flush the alert, as a real peer would.
            try {
                engine.closeOutbound();
                wrap(EMPTY);
            } catch (final SSLException ignored) {
                // Already failed.
            }
        }
    }

    private SSLEngineResult wrap(final ByteBuffer src) throws SSLException {
        final ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2);
        final SSLEngineResult result = engine.wrap(src, out);
        toServer.write(out.array(), 0, out.position());
        return result;
    }

    /** @return whether a record was consumed. */
    private boolean unwrap() throws SSLException {
        final ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
        final SSLEngineResult result = engine.unwrap(fromServer, app);
        received.write(app.array(), 0, app.position());
        return result.getStatus() != SSLEngineResult.Status.BUFFER_UNDERFLOW && result.bytesConsumed() > 0;
    }
}
