package io.tether.engine.reactor;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * What moves a connection's bytes: the loop calls it when the socket is ready, and the connection calls it to write
 * out and to close. A transport (raw TCP, WebSocket, TLS under either) implements it; the reactor knows nothing of
 * framing or protocols. Every method runs on the connection's loop.
 */
public interface ConnectionDriver {
    /** The socket is connected (accepted, adopted, or a client's connect finished). */
    void onConnected(Connection c);

    /** The socket is readable. */
    void onReadable(Connection c) throws IOException;

    /** Input after this side has started closing. */
    void onReadableWhileClosing(Connection c);

    /** The socket is writable again: push out the driver's own pending bytes first. */
    void onWritable(Connection c) throws IOException;

    /** Writes queued bytes to the wire; returns the bytes taken, or -1 when the connection broke. */
    long writeOut(Connection c, ByteBuffer[] chunks, int count) throws IOException;

    /** Whether bytes the driver produced itself still wait for the socket (TLS records). */
    boolean wantsWrite();

    /** Everything queued is written and the connection is closing: the last bytes before half-closing. */
    void beforeShutdownOutput(Connection c);

    /** The handshake deadline passed ({@link Connection#armHandshakeDeadline}). */
    void onHandshakeDeadline(Connection c);

    /** Whether the peer can be told why the connection closes (a WebSocket one only after its upgrade). */
    boolean established(Connection c);

    /**
     * Writes what tells the peer the connection is closing (and, above 0, when it may come back; when not empty,
     * where to reconnect instead).
     */
    void writeGoodbye(Connection c, int code, String reason, long retryAfterMs, String reconnectTo);

    /** Whether input is still decoded after this side started closing (WebSocket reads on to the peer's close). */
    boolean decodesWhileClosing(Connection c);

    /** The connection is closed; {@code code} and {@code reason} say why. The driver tells its handler. */
    void onClosed(Connection c, int code, String reason);
}
