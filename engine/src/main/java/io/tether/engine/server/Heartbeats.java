package io.tether.engine.server;

import io.tether.codec.GoodbyeCode;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.transport.Transport;
import io.tether.telemetry.Metric;

/**
 * Finds dead peers. Each loop sweeps its sessions four times per heartbeat interval from one repeating timer on
 * its wheel (no timer per connection): a session silent for an interval is pinged (a Ping frame on TCP, a ping
 * control frame on WebSocket); one silent for {@code heartbeat-misses} intervals is closed (Goodbye 4001, or
 * WebSocket close 1001) and counted. Any inbound byte counts as alive. The cost is O(sessions / interval).
 */
final class Heartbeats {
    private final TetherServer server;
    /** Bumped when the interval changes: each loop's sweep chain of an older generation ends at its next turn. */
    private volatile int generation;

    Heartbeats(TetherServer server) {
        this.server = server;
    }

    void start(EventLoop loop) {
        final int gen = generation;
        loop.execute(() -> schedule(loop, gen));
    }

    /** A new heartbeat interval: sweeps restart at its pace now, not after a sweep due at the old one. */
    void restart(java.util.List<EventLoop> loops) {
        generation++;
        loops.forEach(this::start);
    }

    private void schedule(EventLoop loop, int gen) {
        final long interval = server.config().heartbeatInterval().toMillis();
        loop.schedule(Math.max(interval / 4, 10), () -> {
            if (gen == generation) {
                sweep(loop);
                if (!server.isClosed()) {
                    schedule(loop, gen);
                }
            }
        });
    }

    private void sweep(EventLoop loop) {
        final TetherConfig config = server.config();
        final long interval = config.heartbeatInterval().toMillis();
        final long deadAfter = interval * config.heartbeatMisses();
        final long now = EventLoop.nowMs();
        final long keepResponsesFrom = now - config.resumeWindow().toMillis();
        loop.forEachConnection(c -> {
            if (c.isClosing() || !(c.attachment() instanceof ServerSession s) || !s.established()) {
                return;
            }
            // A response is kept for a re-send as long as its client could still come back for it.
            s.expireResponses(keepResponsesFrom);
            final long idle = now - c.lastInboundMs();
            if (idle >= deadAfter) {
                loop.counters().increment(Metric.HEARTBEAT_TIMEOUTS);
                c.closeWithGoodbye(GoodbyeCode.HEARTBEAT_TIMEOUT, "heartbeat timeout: nothing received for "
                    + idle + " ms");
            } else if (now - Math.max(c.lastInboundMs(), c.lastPingMs()) >= interval) {
                c.pinged(now);
                loop.counters().increment(Metric.PINGS);
                // The nonce is the send time, so the Pong's round trip can be recorded (Transport.onPong).
                Transport.of(c).writePing(c, System.nanoTime());
            }
        });
    }
}
