package io.tether.engine.transport;

import io.tether.telemetry.log.LogEvent;
import io.tether.codec.GoodbyeCode;
import io.tether.engine.reactor.Connection;
import io.tether.telemetry.Latency;
import io.tether.telemetry.Metric;
import io.tether.tls.NetworkSink;
import io.tether.tls.PeerIdentity;
import io.tether.tls.TlsConnection;
import io.tether.tls.TlsEvents;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import javax.net.ssl.SSLEngine;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * TLS under another transport: {@code tls://} is raw TCP framing inside TLS, {@code wss://} is WebSocket inside
 * TLS. Network bytes are read into the loop's TLS read buffer (a heap buffer) and handed to the {@link TlsConnection}
 * pump; the plaintext it decrypts goes through the inner transport's decoding ({@link Transport#consume}).
 * Outbound, the connection's plaintext chunks are encrypted on their way to the socket. The pump borrows its
 * buffers from the loop, so an idle TLS connection holds none. The inner transport starts only once the
 * handshake has completed, so nothing is written in clear. This object is also the pump's events and its sink (the
 * connection's socket), so an idle TLS connection adds two objects to a plain one: this and its {@link TlsConnection}.
 */
public final class TlsTransport extends Transport implements TlsEvents, NetworkSink {
    private static final LogEvent FAILED = LogEvent.debug(TlsTransport.class, "tls.failed");
    private static final Executor TASKS = task -> Thread.ofVirtual().name("tether-tls-task").start(task);

    private final Transport inner;
    private final SSLEngine engine;
    private final boolean client;
    private Connection connection;
    private TlsConnection tls;
    /** When the connection started its handshake (System.nanoTime), for its duration. */
    private long startedNanos;

    public TlsTransport(Transport inner, SSLEngine engine, boolean client) {
        this.inner = inner;
        this.engine = engine;
        this.client = client;
    }

    /** The verified identity of the peer (the client's certificate on a server), once the handshake is done. */
    public PeerIdentity peer() {
        return tls == null ? null : tls.peerIdentity();
    }

    private boolean handshakeDone() {
        return tls != null && tls.isHandshakeComplete();
    }

    /** Keeps the next connection from resuming this one's TLS session (see {@link TlsConnection#forgetSession()}). */
    public void forgetTlsSession() {
        if (tls != null) {
            tls.forgetSession();
        }
    }

    @Override
    Framing framing() {
        return inner.framing();
    }

    @Override
    public boolean established(Connection c) {
        return handshakeDone() && inner.established(c);
    }

    @Override
    public void onConnected(Connection c) {
        connection = c;
        startedNanos = System.nanoTime();
        tls = new TlsConnection(engine, c.loop().tlsBuffers(), this, this, TASKS);
        if (client) {
            guarded(tls::beginHandshake);
        }
    }

    /** The pump's sink: the connection's socket. */
    @Override
    public int write(ByteBuffer encrypted) throws IOException {
        return connection.channel().write(encrypted);
    }

    @Override
    public void onHandshakeComplete(PeerIdentity identity) {
        connection.loop().counters().record(Latency.TLS_HANDSHAKE, System.nanoTime() - startedNanos);
        inner.onConnected(connection);
        connection.flush();
    }

    @Override
    public void onApplicationData(ByteBuffer plaintext) {
        if (!handshakeDone()) {
            // The pump reports the handshake's end before the first record after it; this is a safety net.
            failed(new javax.net.ssl.SSLProtocolException("application data before the TLS handshake completed"));
            return;
        }
        inner.consume(connection, plaintext);
    }

    @Override
    public void onDelegatedTasksDone() {
        connection.loop().execute(() -> {
            if (!connection.isClosed()) {
                guarded(tls::resume);
                connection.flush();
            }
        });
    }

    @Override
    public void onReadable(Connection c) throws IOException {
        try {
            final ByteBuffer network = c.loop().tlsBuffers().readBuffer();
            if (read(c, network) <= 0) {
                return;
            }
            network.flip();
            guarded(() -> tls.onNetworkRead(network));
        } finally {
            if (!c.isClosed()) {
                c.updateWriteInterest();
            }
            // As after a plain read, even one that ended in a close: requests it queued go to the session's worker.
            // Before the handshake's end no frame can have been read, and the protocol has not even opened.
            if (handshakeDone()) {
                handler(c).onReadComplete(c);
            }
        }
    }

    @Override
    public void onReadableWhileClosing(Connection c) {
        try {
            onReadable(c);
        } catch (IOException e) {
            c.closeNow(e);
        }
    }

    @Override
    public boolean decodesWhileClosing(Connection c) {
        return inner.decodesWhileClosing(c);
    }

    @Override
    public long writeOut(Connection c, ByteBuffer[] chunks, int count) throws IOException {
        if (!handshakeDone()) {
            return 0; // nothing goes out before the handshake; the chunks wait
        }
        try {
            return tls.write(chunks, 0, count);
        } catch (IOException e) {
            failed(e);
            return -1;
        }
    }

    @Override
    public boolean wantsWrite() {
        return tls != null && tls.wantsWrite();
    }

    @Override
    public void onWritable(Connection c) {
        guarded(tls::flush);
    }

    @Override
    public void beforeShutdownOutput(Connection c) {
        if (handshakeDone() && !tls.isOutboundDone()) {
            guarded(() -> {
                tls.closeOutbound();
                tls.flush();
            });
        }
    }

    @Override
    public void writeGoodbye(Connection c, int code, String reason, long retryAfterMs, String reconnectTo) {
        inner.writeGoodbye(c, code, reason, retryAfterMs, reconnectTo);
    }

    @Override
    public void writePing(Connection c, long nonce) {
        inner.writePing(c, nonce);
    }

    @Override
    public void onHandshakeDeadline(Connection c) {
        if (!handshakeDone()) {
            // No TLS session yet, so no Goodbye can be sent: count it and drop the connection.
            c.loop().counters().increment(Metric.HANDSHAKE_TIMEOUTS);
            c.closeNow(null);
        } else {
            inner.onHandshakeDeadline(c);
        }
    }

    @Override
    void released(int code, String reason) {
        if (tls != null) {
            tls.close();
        }
        inner.released(code, reason);
    }

    @Override
    int deliver(Connection c, ByteBuffer buffer, UnsafeBuffer view, int maxFrameSize) {
        return inner.deliver(c, buffer, view, maxFrameSize);
    }

    @Override
    int pendingFrameLength(Connection c, UnsafeBuffer view, int from, int end, int maxFrameSize) {
        return inner.pendingFrameLength(c, view, from, end, maxFrameSize);
    }

    @FunctionalInterface
    private interface TlsStep {
        void run() throws IOException;
    }

    /** Runs a pump step; a TLS failure (bad certificate, protocol, alert) closes the connection and is counted. */
    private void guarded(TlsStep step) {
        try {
            step.run();
        } catch (IOException e) {
            failed(e);
        }
    }

    private void failed(IOException e) {
        if (connection.isClosed()) {
            return;
        }
        FAILED.log("remote", connection.remoteAddress(), "loop", connection.loop().name(), "error", e.toString());
        connection.loop().counters().increment(Metric.TLS_FAILURES);
        try {
            tls.flush(); // the alert the engine queued
        } catch (IOException ignored) {
            // the connection is going anyway
        }
        connection.closeNow(null);
    }

}
