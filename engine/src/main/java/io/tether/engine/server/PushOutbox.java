package io.tether.engine.server;

import com.google.protobuf.ByteString;
import io.tether.codec.FrameEncoder;
import io.tether.codec.GoodbyeCode;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.transport.Frames;
import io.tether.session.Outbox;
import io.tether.telemetry.Metric;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A session's pushes and their acknowledgements: the {@link Outbox} that keeps every push until the client acks it,
 * the seq last written to the attached connection, and the bytes pushed but not yet flushed by the loop.
 *
 * <p>Made on a session's first push, so a session that never gets one costs a single null field. The outbox and
 * the seqs are guarded by the session's monitor, which only ever guards copying bytes (no I/O, no waiting): the
 * methods that say so are called holding it. The flush and recost flags are set from any thread.
 */
final class PushOutbox implements Outbox.PushConsumer {
    private static final VarHandle FLUSH;
    private static final VarHandle RECOST;

    static {
        try {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            FLUSH = lookup.findVarHandle(PushOutbox.class, "flushScheduled", int.class);
            RECOST = lookup.findVarHandle(PushOutbox.class, "recostScheduled", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ServerSession session;
    private final Outbox outbox;
    /** 1 while a flush is on its way to the loop: later pushes ride on it. */
    private volatile int flushScheduled;
    /** 1 while the detached session's new size is on its way to its loop's session cache. */
    private volatile int recostScheduled;
    /** The last seq written to the attached connection. */
    private long sentSeq;
    /**
     * Bytes of pushes appended since the last flush, already counted in the connection's pending bytes (so a pusher
     * sees its backlog at once, not only after the loop catches up) and uncounted when the flush writes them.
     */
    private long unflushedBytes;
    /** Where {@link #onPush} writes during {@link #writeNew}. */
    private Connection writeTarget;
    private UnsafeBuffer view;

    PushOutbox(ServerSession session, int maxBytes) {
        this.session = session;
        this.outbox = new Outbox(maxBytes);
    }

    /** Holding the session's monitor: the bound of the next push (a live session-outbox-bytes change). */
    void limit(int maxBytes) {
        outbox.limit(maxBytes);
    }

    /**
     * Holding the session's monitor: numbers and encodes a push into the outbox, dropping the oldest unacknowledged ones when it is full.
     *
     * @param attached the connection it is for now, or null while detached; its pending bytes count the push
     * @return how many older pushes were dropped to make room
     * @throws IllegalArgumentException when the push alone is larger than the outbox
     */
    long append(String topic, ByteString payload, Connection attached) {
        final long seq = outbox.nextSeq();
        final int body = FrameEncoder.pushLength(seq, topic, payload);
        if (!outbox.fits(body + Outbox.RECORD_OVERHEAD)) {
            throw new IllegalArgumentException("a push of " + body + " bytes is larger than the session outbox ("
                + "session-outbox-bytes), so it could not be kept for a resume");
        }
        final long droppedBefore = outbox.droppedPushes();
        final int at = outbox.appendInPlace(seq, body);
        view = BufferViews.over(view, outbox.buffer());
        FrameEncoder.putPush(view, at, seq, topic, payload);
        if (attached != null) {
            unflushedBytes += body;
            attached.addPending(body);
        }
        return outbox.droppedPushes() - droppedBefore;
    }

    /** Whether a client that has every push up to {@code lastSeq} can resume without missing one. */
    boolean canResumeFrom(long lastSeq) {
        return outbox.canResumeFrom(lastSeq);
    }

    /** The client resumed having every push up to {@code lastSeq}: the rest is sent again on the new connection. */
    void resumedFrom(long lastSeq) {
        outbox.ack(lastSeq);
        sentSeq = lastSeq;
        unflushedBytes = 0; // counted on the old connection, which is gone
        flushScheduled = 0;
    }

    // ---- flushing (any thread schedules, c's loop writes)

    /** A push for the attached {@code c} was appended: its loop writes it, now or at its next signal. */
    void scheduleFlush(Connection c) {
        if (!FLUSH.compareAndSet(this, 0, 1)) {
            return; // the loop has not flushed since the last push: it will write this one too
        }
        final EventLoop loop = c.loop();
        if (loop.inLoop()) {
            flush(c);
            return;
        }
        if (!c.signal()) {
            loop.execute(() -> flush(c));
        }
    }

    /** Writes the pushes {@code c} has not had yet (c's loop). */
    void flush(Connection c) {
        FLUSH.setVolatile(this, 0);
        final boolean lost;
        synchronized (session) {
            if (!session.attachedTo(c) || c.isClosing()) {
                return;
            }
            lost = outbox.lostThroughSeq() > sentSeq;
            if (!lost) {
                writeNew(c);
            }
            c.addPending(-unflushedBytes); // now counted as written bytes instead
            unflushedBytes = 0;
        }
        if (lost) {
            c.loop().counters().increment(Metric.SLOW_CONSUMERS);
            c.closeWithGoodbye(GoodbyeCode.SLOW_CONSUMER, "the session outbox overflowed: pushes were dropped "
                + "before they could be sent");
        }
    }

    /** A push for the detached session was kept: its loop's session cache learns its new size. */
    void scheduleRecost() {
        if (RECOST.compareAndSet(this, 0, 1)) {
            final DetachedSessions home = session.home();
            if (home == null) {
                recostScheduled = 0;
            } else {
                home.recostLater(session);
            }
        }
    }

    void recostDone() {
        recostScheduled = 0;
    }

    /** Holding the session's monitor, on c's loop: writes every push after the last one sent to c. @return how many */
    int writeNew(Connection c) {
        writeTarget = c;
        final int n;
        try {
            n = outbox.replayAfter(sentSeq, this);
        } finally {
            writeTarget = null;
        }
        sentSeq = outbox.lastSeq();
        return n;
    }

    @Override
    public void onPush(long seq, byte[] buffer, int offset, int length) {
        Frames.writeBody(writeTarget, buffer, offset, length);
        writeTarget.loop().counters().increment(Metric.PUSHES);
    }

    /** Holding the session's monitor: every kept push, oldest first, for a hand-over to another node. */
    List<byte[]> keptPushes() {
        final List<byte[]> kept = new ArrayList<>(outbox.retainedCount());
        outbox.replayAfter(0, (seq, buffer, offset, length) ->
            kept.add(Arrays.copyOfRange(buffer, offset, offset + length)));
        return kept;
    }

    long firstSeq() {
        return outbox.firstSeq();
    }

    long lostThroughSeq() {
        return outbox.lostThroughSeq();
    }

    /** The pushes a session handed over from another node had kept, with their seqs. */
    static PushOutbox restored(ServerSession session, int maxBytes, SessionImage image) {
        final PushOutbox p = new PushOutbox(session, maxBytes);
        p.outbox.continueFrom(image.firstSeq(), image.lostThroughSeq());
        long seq = image.firstSeq();
        for (byte[] push : image.pushes()) {
            p.outbox.append(seq++, push, 0, push.length);
        }
        return p;
    }

    /** The client acknowledged every push up to {@code seq}. */
    void ack(long seq) {
        outbox.ack(seq);
    }

    long lastSeq() {
        return outbox.lastSeq();
    }

    int retainedBytes() {
        return outbox.retainedBytes();
    }

    int capacity() {
        return outbox.capacity();
    }
}
