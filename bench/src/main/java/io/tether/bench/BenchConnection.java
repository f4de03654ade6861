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
 * payload is checked; send times sit in a ring indexed by id (at most {@code pipeline} are in flight).
 */
final class BenchConnection implements FrameHandler {
    private static final ConnectionLimits LIMITS = new ConnectionLimits(64 << 20, 4 << 20, 1 << 20, 60_000, 30_000);

    private final LoadGenerator run;
    private final SingleWriterRecorder recorder;
    private final byte[] payload;
    private final long[] sentAt;
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

    BenchConnection(LoadGenerator run, SingleWriterRecorder recorder, int payloadBytes, int pipeline) {
        this.run = run;
        this.recorder = recorder;
        this.payload = new byte[payloadBytes];
        for (int i = 8; i < payloadBytes; i++) {
            payload[i] = (byte) ('a' + i % 26);
        }
        // Closed loop: at most `pipeline` in flight. Open loop: room for a backlog of 1024 per session.
        final int inFlightBound = run.openLoop() ? 1024 : Math.max(2, pipeline) * 2;
        this.sentAt = new long[Integer.highestOneBit(inFlightBound - 1) << 1];
        this.mask = sentAt.length - 1;
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
            recorder.recordValue(Math.max(1, (now - sentAt[(int) (id & mask)]) / 1_000));
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

    /** Sends one request timed from {@code intendedNanos}. Loop thread. */
    void send(long intendedNanos) {
        if (connection == null || connection.isClosing()) {
            return;
        }
        final long id = ++nextId;
        for (int i = 0; i < 8; i++) {
            payload[i] = (byte) (id >>> (8 * i));
        }
        sentAt[(int) (id & mask)] = intendedNanos;
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
