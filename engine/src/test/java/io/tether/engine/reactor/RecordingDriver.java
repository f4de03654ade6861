package io.tether.engine.reactor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connection driver for reactor tests, standing in for a transport and its socket: the "socket" takes only as
 * many bytes as the test allows (all of them unless told otherwise), and records what it took, so a test sees
 * exactly what would have gone on the wire and can hold a backlog where it wants it. Reads are discarded.
 */
final class RecordingDriver implements ConnectionDriver {
    private final ByteArrayOutputStream wire = new ByteArrayOutputStream();
    private final AtomicLong allowance = new AtomicLong(Long.MAX_VALUE);
    private final AtomicInteger goodbyeCode = new AtomicInteger(-1);
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();

    /** From now on the socket takes nothing until {@link #allow} says how much. */
    RecordingDriver blocked() {
        allowance.set(0);
        return this;
    }

    /** Lets the socket take {@code bytes} more (the loop writes them at its next flush). */
    void allow(long bytes) {
        allowance.addAndGet(bytes);
    }

    /** Everything the socket took so far. */
    byte[] written() {
        return wire.toByteArray();
    }

    /** The code of the Goodbye the connection sent, or -1. */
    int goodbyeCode() {
        return goodbyeCode.get();
    }

    /** Completes with the close code once the connection is closed. */
    CompletableFuture<Integer> closed() {
        return closed;
    }

    @Override
    public long writeOut(Connection c, ByteBuffer[] chunks, int count) {
        long taken = 0;
        for (int i = 0; i < count; i++) {
            final ByteBuffer chunk = chunks[i];
            final int n = (int) Math.min(chunk.remaining(), allowance.get());
            if (n == 0) {
                break;
            }
            final byte[] bytes = new byte[n];
            chunk.get(bytes);
            wire.write(bytes, 0, n);
            allowance.addAndGet(-n);
            taken += n;
        }
        return taken;
    }

    @Override
    public void onConnected(Connection c) {
    }

    @Override
    public void onReadable(Connection c) throws IOException {
        discardInput(c);
    }

    @Override
    public void onReadableWhileClosing(Connection c) {
        try {
            discardInput(c);
        } catch (IOException e) {
            c.closeNow(e);
        }
    }

    private static void discardInput(Connection c) throws IOException {
        final ByteBuffer scratch = c.loop().scratch();
        scratch.clear();
        if (c.channel().read(scratch) < 0) {
            c.closeNow(null);
        }
    }

    @Override
    public void onWritable(Connection c) {
    }

    @Override
    public boolean wantsWrite() {
        return false;
    }

    @Override
    public void beforeShutdownOutput(Connection c) {
    }

    @Override
    public void onHandshakeDeadline(Connection c) {
    }

    @Override
    public boolean established(Connection c) {
        return true;
    }

    @Override
    public void writeGoodbye(Connection c, int code, String reason, long retryAfterMs, String reconnectTo) {
        goodbyeCode.set(code);
    }

    @Override
    public boolean decodesWhileClosing(Connection c) {
        return false;
    }

    @Override
    public void onClosed(Connection c, int code, String reason) {
        closed.complete(code);
    }
}
