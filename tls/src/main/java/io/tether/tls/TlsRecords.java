package io.tether.tls;

import java.io.IOException;
import java.nio.ByteBuffer;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;

/**
 * The record side of a TLS connection: wraps outgoing bytes into records and writes them to the
 * sink, and keeps the only bytes a connection holds between pump calls: the start of a record
 * whose end has not arrived yet (inbound tail) and records the socket would not take yet
 * (outbound tail). Both are null while the connection is idle, so an idle connection costs no
 * buffer; each is sized to what it holds and dropped as soon as it is drained.
 * <p>
 * {@link TlsConnection} extends it: the record layer's code stays apart from the pump's, yet a
 * connection is one object, not two (an idle connection should hold as few objects as it can).
 */
abstract class TlsRecords {
    /**
     * The most bytes kept while nothing can be unwrapped (a delegated task runs). The engine stops
     * reading while a task is pending; this bounds the damage if it does not.
     */
    static final int MAX_INBOUND_TAIL = 1 << 20;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private static final int RECORD_HEADER_LENGTH = 5;

    final SSLEngine engine;
    final TlsBuffers buffers;
    private final NetworkSink sink;
    private ByteBuffer inboundTail;
    private ByteBuffer outboundTail;

    TlsRecords(final SSLEngine engine, final TlsBuffers buffers, final NetworkSink sink) {
        this.engine = engine;
        this.buffers = buffers;
        this.sink = sink;
    }

    boolean hasPendingOutput() {
        return outboundTail != null;
    }

    boolean hasInboundTail() {
        return inboundTail != null;
    }

    /** @return the bytes held by the tails' buffers: zero for an idle connection. */
    int retainedBytes() {
        return (inboundTail == null ? 0 : inboundTail.capacity()) + (outboundTail == null ? 0 : outboundTail.capacity());
    }

    /**
     * Wraps application bytes into as few records and sink writes as the buffer allows, and stops
     * when the sink refuses bytes (they become the outbound tail).
     *
     * @return the number of plaintext bytes taken.
     */
    long wrapApplication(final ByteBuffer[] plaintext, final int offset, final int length) throws IOException {
        long taken = 0;
        ByteBuffer out = buffers.acquireNetwork();
        try {
            while (hasRemaining(plaintext, offset, length)) {
                // Cork: fill the buffer with records and write once, unless the next record may not fit.
                if (out.remaining() < buffers.packetSize() && !sendAndClear(out)) {
                    break;
                }
                final SSLEngineResult result = engine.wrap(plaintext, offset, length, out);
                taken += result.bytesConsumed();
                if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW && out.position() == 0) {
                    out = grow(out, true);
                } else if (result.getStatus() == SSLEngineResult.Status.CLOSED ||
                    result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
                    break;
                }
            }
            out.flip();
            send(out);
            return taken;
        } finally {
            buffers.release(out, true);
        }
    }

    /** Wraps one handshake (or close_notify) message and sends it. */
    SSLEngineResult wrapHandshakeMessage() throws IOException {
        ByteBuffer out = buffers.acquireNetwork();
        try {
            SSLEngineResult result = engine.wrap(EMPTY, out);
            if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                out = grow(out, true);
                result = engine.wrap(EMPTY, out);
            }
            out.flip();
            send(out);
            return result;
        } finally {
            buffers.release(out, true);
        }
    }

    /** After a fatal error the engine has an alert queued: sends it, best effort, so the peer learns why. */
    void sendAlert(final SSLException failure) {
        final ByteBuffer out = buffers.acquireNetwork();
        try {
            engine.closeOutbound();
            for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                out.clear();
                final SSLEngineResult result = engine.wrap(EMPTY, out);
                out.flip();
                send(out);
                if (result.bytesProduced() == 0) {
                    break;
                }
            }
        } catch (final IOException | RuntimeException ex) {
            failure.addSuppressed(ex);
        } finally {
            buffers.release(out, true);
        }
    }

    /**
     * Writes the outbound tail to the sink.
     *
     * @return true when nothing is left to write.
     */
    boolean flush() throws IOException {
        if (outboundTail == null) {
            return true;
        }
        drainTo(outboundTail);
        if (outboundTail.hasRemaining()) {
            return false;
        }
        outboundTail = null;
        return true;
    }

    /**
     * Writes encrypted records after any pending ones, keeping whatever the sink refuses.
     *
     * @param encrypted records, ready to read; fully consumed by this call.
     * @return true when everything, pending bytes included, was written.
     */
    boolean send(final ByteBuffer encrypted) throws IOException {
        if (flush()) {
            drainTo(encrypted);
            if (!encrypted.hasRemaining()) {
                return true;
            }
        }
        outboundTail = append(outboundTail, encrypted, 0);
        return false;
    }

    /**
     * Keeps bytes that cannot be unwrapped yet, after those already kept. The tail always starts
     * at a record boundary, so it is sized from the record header for the whole record: a record
     * trickling in byte by byte is then copied once, not once per byte.
     *
     * @param bytes ready to read; fully consumed by this call.
     */
    void keepInbound(final ByteBuffer bytes) throws SSLException {
        if (!bytes.hasRemaining()) {
            return;
        }
        final int kept = inboundTail == null ? 0 : inboundTail.remaining();
        if (kept + bytes.remaining() > MAX_INBOUND_TAIL) {
            throw new SSLException("more than " + MAX_INBOUND_TAIL + " bytes arrived while the TLS handshake " +
                "could not read them");
        }
        final int recordLength = Math.min(buffers.packetSize(), recordLength(inboundTail == null ? bytes : inboundTail));
        inboundTail = append(inboundTail, bytes, recordLength);
    }

    /**
     * Moves the inbound tail into a window buffer (cleared, in write mode), then fills the rest of
     * the window from {@code more}, and flips it, ready to unwrap.
     */
    ByteBuffer openWindow(final ByteBuffer window, final ByteBuffer more) {
        window.put(inboundTail);
        inboundTail = null;
        fill(window, more);
        return window.flip();
    }

    /** Compacts a window that holds an incomplete record and tops it up from {@code more}. */
    static void topUp(final ByteBuffer window, final ByteBuffer more) {
        window.compact();
        fill(window, more);
        window.flip();
    }

    /** @return a buffer from the pool of the same kind and at least the size the engine now asks for. */
    ByteBuffer grow(final ByteBuffer small, final boolean isNetwork) {
        final SSLSession session = engine.getSession();
        buffers.accommodate(session.getPacketBufferSize(), session.getApplicationBufferSize());
        buffers.release(small, isNetwork);
        return isNetwork ? buffers.acquireNetwork() : buffers.acquireApplication();
    }

    /** Drops both tails: the connection is gone. */
    void release() {
        inboundTail = null;
        outboundTail = null;
    }

    private boolean sendAndClear(final ByteBuffer out) throws IOException {
        out.flip();
        final boolean sent = send(out);
        out.clear();
        return sent;
    }

    private void drainTo(final ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining() && sink.write(buffer) > 0) {
            // The sink takes what the socket takes; stop at the first write that takes nothing.
        }
    }

    /** @return the length of the record whose header starts the buffer, or 0 when the header is incomplete. */
    private static int recordLength(final ByteBuffer bytes) {
        if (bytes.remaining() < RECORD_HEADER_LENGTH) {
            return 0;
        }
        final int lengthAt = bytes.position() + 3;
        return RECORD_HEADER_LENGTH + ((bytes.get(lengthAt) & 0xFF) << 8 | bytes.get(lengthAt + 1) & 0xFF);
    }

    private static void fill(final ByteBuffer window, final ByteBuffer more) {
        final int count = Math.min(window.remaining(), more.remaining());
        window.put(window.position(), more, more.position(), count);
        window.position(window.position() + count);
        more.position(more.position() + count);
    }

    /**
     * @return {@code tail} (may be null) followed by {@code more}: in {@code tail} itself when it has
     * room, else in a new buffer of at least {@code minCapacity}.
     */
    private static ByteBuffer append(final ByteBuffer tail, final ByteBuffer more, final int minCapacity) {
        if (tail != null && tail.capacity() - tail.remaining() >= more.remaining()) {
            return tail.compact().put(more).flip();
        }
        final int kept = tail == null ? 0 : tail.remaining();
        final ByteBuffer joined = ByteBuffer.allocate(Math.max(minCapacity, kept + more.remaining()));
        if (tail != null) {
            joined.put(tail);
        }
        return joined.put(more).flip();
    }

    private static boolean hasRemaining(final ByteBuffer[] buffers, final int offset, final int length) {
        for (int i = offset; i < offset + length; i++) {
            if (buffers[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }
}
