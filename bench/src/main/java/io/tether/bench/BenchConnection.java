package io.tether.bench;

import com.google.protobuf.ByteString;
import io.tether.codec.FrameEncoder;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Response;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.ConnectionLimits;
import io.tether.engine.transport.FrameHandler;
import io.tether.engine.transport.Frames;
import java.util.Map;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * One load-generator session. Each request carries its id in the first 8 bytes of its payload, so every echoed
 * payload is checked; send times sit in a ring indexed by id (at most {@code pipeline} are in flight). Open loop
 * keeps two: the intended send time, which the latency is timed from, and the time the request was written, for
 * the latency a generator that waits for its own late sends would report.
 */
final class BenchConnection implements FrameHandler {
    private static final ConnectionLimits LIMITS = new ConnectionLimits(64 << 20, 4 << 20, 1 << 20, 60_000, 30_000);

    private final LoadGenerator run;
    private final SingleWriterRecorder recorder;
    /** Open loop: latency from the actual write; null in closed loop, where it is the latency itself. */
    private final SingleWriterRecorder actualRecorder;
    private final byte[] payload;
    private final long[] sentAt;
    private final long[] writtenAt;
    private final int mask;
    private Connection connection;
    private final long startedNanos = System.nanoTime();
    private long nextId;
    private int inFlight;
    boolean established;
    /** Which session of the run this connection serves, and whose recorder it writes (reconnect mode). */
    int slot;
    int recorderIndex;
    long responses;
    long errors;
    long mismatches;

    BenchConnection(LoadGenerator run, SingleWriterRecorder recorder, SingleWriterRecorder actualRecorder,
                    int payloadBytes, int pipeline) {
        this.run = run;
        this.recorder = recorder;
        this.actualRecorder = run.openLoop() ? actualRecorder : null;
        this.payload = new byte[payloadBytes];
        for (int i = 8; i < payloadBytes; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        // Closed loop: at most `pipeline` in flight. Open loop: room for a backlog of 1024 per session.
        final int inFlightBound = run.openLoop() ? 1024 : Math.max(2, pipeline) * 2;
        this.sentAt = new long[Integer.highestOneBit(inFlightBound - 1) << 1];
        this.mask = sentAt.length - 1;
        this.writtenAt = run.openLoop() ? new long[sentAt.length] : null;
    }

    @Override
    public ConnectionLimits limits() {
        return LIMITS;
    }

    @Override
    public void onOpen(Connection c) {
        connection = c;
        Frames.writeHello(c, "bench", new byte[0], 0, Map.of(), 0);
    }

    @Override
    public void onFrame(Connection c, Frame frame) {
        if (frame.hasWelcome()) {
            run.welcomed();
            if (run.reconnecting()) {
                run.handshakeDone(this, recorder, System.nanoTime() - startedNanos);
                return;
            }
            established = true;
            run.sessionReady(this);
            if (!run.openLoop()) {
                for (int i = 0; i < run.pipeline(); i++) {
                    send(System.nanoTime());
                }
            }
        } else if (frame.hasResponse()) {
            onResponse(frame.getResponse());
        } else if (frame.hasPing()) {
            Frames.writePong(c, frame.getPing().getNonce());
        }
    }

    private void onResponse(Response r) {
        final long now = System.nanoTime();
        inFlight--;
        run.inFlight(recorderIndex, -1);
        final long id = r.getId();
        if (r.getStatus() != 0) {
            errors++;
        } else if (!matches(r.getPayload(), id)) {
            mismatches++;
        }
        if (run.measuring()) {
            responses++;
            final int ring = (int) (id & mask);
            recorder.recordValue(Math.max(1, (now - sentAt[ring]) / 1_000));
            if (actualRecorder != null) {
                actualRecorder.recordValue(Math.max(1, (now - writtenAt[ring]) / 1_000));
            }
        }
        if (!run.openLoop() && run.sending()) {
            send(now);
        }
    }

    private boolean matches(ByteString got, long id) {
        if (got.size() != payload.length) {
            return false;
        }
        for (int i = 0; i < 8; i++) {
            if (got.byteAt(i) != (byte) (id >>> (8 * i))) {
                return false;
            }
        }
        for (int i = 8; i < payload.length; i++) {
            if (got.byteAt(i) != payload[i]) {
                return false;
            }
        }
        return true;
    }

    /** Closed loop: sends one request, timed from {@code nowNanos}. Loop thread. */
    void send(long nowNanos) {
        send(nowNanos, nowNanos);
    }

    /** Sends one request timed from {@code intendedNanos}, written at {@code actualNanos}. Loop thread. */
    void send(long intendedNanos, long actualNanos) {
        if (connection == null || connection.isClosing()) {
            return;
        }
        final long id = ++nextId;
        for (int i = 0; i < 8; i++) {
            payload[i] = (byte) (id >>> (8 * i));
        }
        final int ring = (int) (id & mask);
        sentAt[ring] = intendedNanos;
        if (writtenAt != null) {
            writtenAt[ring] = actualNanos;
        }
        inFlight++;
        run.inFlight(recorderIndex, 1);
        final ByteString body = com.google.protobuf.UnsafeByteOperations.unsafeWrap(payload);
        final String method = run.method();
        Frames.send(connection, FrameEncoder.requestLength(id, method, body, Map.of()),
            (b, at) -> FrameEncoder.putRequest(b, at, id, method, body, Map.of()));
    }

    int inFlight() {
        return inFlight;
    }

    Connection connection() {
        return connection;
    }

    @Override
    public void onClosed(Connection c, int code, String reason) {
        run.sessionClosed(this, code, reason);
    }
}
