package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Request;
import io.tether.codec.ws.WebSocketCloseCode;
import io.tether.engine.WebSocketPeersTest.Peer;
import io.tether.engine.WebSocketRawClientTest.RawWebSocket;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Heartbeats over WebSocket with a 200 ms interval and 2 misses: a session that stops answering pings is pinged,
 * then closed with 1001 (after a Goodbye 4001) and counted; one whose client answers stays open, and is pinged on
 * schedule even after its event loop stalled.
 */
class WebSocketHeartbeatTest {
    private static final String PATH = "/tether";
    private static final Duration STALL = Duration.ofSeconds(1);

    private TetherServer server;
    private String url;

    private void start(String... settings) {
        final List<String> pairs = new ArrayList<>(List.of("listen", "ws://127.0.0.1:0" + PATH,
            "heartbeat-interval", "200ms", "heartbeat-misses", "2"));
        pairs.addAll(List.of(settings));
        server = TetherServer.builder().config(TestServers.config(pairs.toArray(String[]::new)))
            .onRequestInline("stall", call -> {
                // One loop cycle that takes a second, as a long GC pause or a CPU-bound inline handler makes it.
                final long end = System.nanoTime() + STALL.toNanos();
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                return Reply.ok();
            })
            .start();
        url = "ws://127.0.0.1:" + TestServers.address(server).getPort() + PATH;
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private long total(Metric metric) {
        return server.counters().total(metric);
    }

    @Test
    void shouldCloseNodeWsWhoseSocketIsPaused() {
        start();
        final Map<String, String> result = closedWhileStuck(Peer.node("pause", url), "paused");
        assertThat(result).containsEntry("goodbyeCode", String.valueOf(GoodbyeCode.HEARTBEAT_TIMEOUT))
            .containsEntry("heartbeatMs", "200");
        assertThat(Integer.parseInt(result.get("pings"))).as("pings that went unanswered").isPositive();
    }

    @Test
    void shouldClosePythonWebsocketsWhoseEventLoopIsBlocked() {
        start();
        final Map<String, String> result = closedWhileStuck(Peer.python("block", url), "blocking");
        assertThat(result).containsEntry("messagesBeforeClose", "1"); // the Goodbye
    }

    /**
     * The peer says {@code stuckEvent} once it stops reading; when the server has timed it out, the test lets it
     * read again and returns what it reports after seeing the close (1001).
     */
    private Map<String, String> closedWhileStuck(Peer started, String stuckEvent) {
        try (Peer peer = started) {
            assertThat(peer.nextResult(WebSocketPeersTest.PEER_TIMEOUT)).containsEntry("event", stuckEvent);
            TestServers.await("the stuck session timed out", () -> total(Metric.HEARTBEAT_TIMEOUTS) == 1);
            peer.tell("go on");
            final Map<String, String> result = peer.nextResult(WebSocketPeersTest.PEER_TIMEOUT);
            assertThat(result).containsEntry("closeCode", String.valueOf(WebSocketCloseCode.GOING_AWAY));
            assertThat(total(Metric.HEARTBEAT_TIMEOUTS)).isEqualTo(1);
            return result;
        }
    }

    @Test
    void shouldCloseARawClientThatNeverAnswersPings() throws Exception {
        start();
        try (RawWebSocket ws = establish()) {
            int pings = 0;
            int goodbyeCode = 0;
            RawWebSocket.Frame frame;
            while ((frame = ws.read()).opcode() != RawWebSocket.CLOSE) {
                if (frame.opcode() == RawWebSocket.PING) {
                    assertThat(frame.b0()).as("a ping is one final frame").isEqualTo(0x89);
                    pings++;
                } else {
                    goodbyeCode = Frame.parseFrom(frame.payload()).getGoodbye().getCode();
                }
            }
            assertThat(pings).as("pings before the close").isPositive();
            assertThat(total(Metric.PINGS)).isEqualTo(pings);
            assertThat(goodbyeCode).isEqualTo(GoodbyeCode.HEARTBEAT_TIMEOUT);
            assertThat(frame.closeCode()).isEqualTo(WebSocketCloseCode.GOING_AWAY);
            assertThat(ws.readsEndOfStream()).isTrue();
            assertThat(total(Metric.HEARTBEAT_TIMEOUTS)).isEqualTo(1);
        }
    }

    @Test
    void shouldKeepANodeWsThatAnswersPingsOpen() {
        start();
        try (Peer peer = Peer.node("answer", url, "6")) {
            final Map<String, String> result = peer.nextResult(WebSocketPeersTest.PEER_TIMEOUT);
            assertThat(result).as("six pings answered, still open").containsEntry("pings", "6")
                .containsEntry("open", "true").containsEntry("closeCode", "0");
        }
        assertThat(total(Metric.PINGS)).isGreaterThanOrEqualTo(6);
        assertThat(total(Metric.HEARTBEAT_TIMEOUTS)).isZero();
    }

    /**
     * After one loop cycle took a second, a session whose client answers every ping is still pinged about once an
     * interval (200 ms), not once every second or more: the loop's timers must not stay behind the clock.
     */
    @Test
    void shouldKeepPingingOnScheduleAfterTheLoopStalled() throws Exception {
        start("io-threads", "1", "heartbeat-misses", "10");
        try (RawWebSocket ws = establish()) {
            ws.send(0x82, Frame.newBuilder().setRequest(Request.newBuilder().setId(1).setMethod("stall"))
                .build().toByteArray());
            RawWebSocket.Frame frame;
            while ((frame = answeringPings(ws)).opcode() != 0x2) {
                // pings only, until the response to the stall
            }
            assertThat(Frame.parseFrom(frame.payload()).getResponse().getId()).isEqualTo(1);
            final List<Duration> gaps = new ArrayList<>();
            long last = System.nanoTime();
            while (gaps.size() < 4) {
                final RawWebSocket.Frame ping = answeringPings(ws);
                assertThat(ping.opcode()).as("only pings while the session stays open").isEqualTo(RawWebSocket.PING);
                final long now = System.nanoTime();
                gaps.add(Duration.ofNanos(now - last));
                last = now;
            }
            assertThat(gaps.subList(1, gaps.size())).as("time between pings after the stall")
                .allSatisfy(gap -> assertThat(gap).isLessThan(Duration.ofMillis(500)));
        }
        assertThat(total(Metric.HEARTBEAT_TIMEOUTS)).isZero();
    }

    /** The next frame; a ping is answered with a pong carrying its payload at once. */
    private static RawWebSocket.Frame answeringPings(RawWebSocket ws) throws IOException {
        final RawWebSocket.Frame frame = ws.read();
        if (frame.opcode() == RawWebSocket.PING) {
            ws.send(0x8A, frame.payload());
        }
        return frame;
    }

    /** A raw client past the upgrade and Hello: a session the heartbeats watch. */
    private RawWebSocket establish() throws IOException {
        final RawWebSocket ws = RawWebSocket.open(TestServers.address(server), PATH);
        ws.send(0x82, Frame.newBuilder().setHello(Hello.newBuilder().setClientId("raw")).build().toByteArray());
        final RawWebSocket.Frame welcome = ws.read();
        assertThat(welcome.b0()).isEqualTo(0x82);
        assertThat(Frame.parseFrom(welcome.payload()).getWelcome().getHeartbeatMs()).isEqualTo(200);
        return ws;
    }
}
