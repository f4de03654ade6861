package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Hello;
import io.tether.engine.client.TetherClient;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Latency;
import io.tether.tls.CertificateIssuer;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server's latency histograms hold after known traffic: requests, ping round trips, TLS, loop lag. */
class ServerLatenciesTest {
    private TetherServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.shutdown(Duration.ofSeconds(1));
        }
    }

    private Histogram latency(Latency l) {
        return server.counters().latency(l);
    }

    @Test
    void shouldTimeEveryRequestInlineOrOnAVirtualThread() throws Exception {
        server = TetherServer.builder().config(TestServers.config())
            .onRequestInline("quick", call -> Reply.ok())
            .onRequest("slow", call -> {
                Thread.sleep(30); // a handler that blocks: what is timed
                return Reply.ok();
            })
            .start();
        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("timed");
            for (int i = 0; i < 10; i++) {
                c.echo("e" + i);
            }
            for (long id = 100; id < 105; id++) {
                c.sendFrame(HandWire.request(id, "quick", new byte[0]));
                c.read(HandWire.RESPONSE);
            }
            c.sendFrame(HandWire.request(200, "slow", new byte[0]));
            c.read(HandWire.RESPONSE);
        }
        final Histogram h = latency(Latency.REQUEST);
        assertThat(h.getTotalCount()).isEqualTo(16);
        assertThat(h.getMaxValue()).as("the slow handler").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(29));
        assertThat(h.getValueAtPercentile(50)).isLessThan(TimeUnit.MILLISECONDS.toNanos(10));
    }

    @Test
    void shouldRecordNoLatencyButKeepCountingWithHistogramsOff() throws Exception {
        server = TetherServer.builder().config(TestServers.config("latency-histograms", "off",
            "heartbeat-interval", "100ms")).start();
        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("uncounted");
            for (int i = 0; i < 10; i++) {
                c.echo("e" + i);
            }
            final long nonce = c.read(HandWire.PING).varint(1);
            c.sendFrame(HandWire.frame(HandWire.PONG, new HandWire.Writer().varint(1, nonce)));
            c.echo("after the pong"); // the pong was handled before this answer
        }
        assertThat(server.counters().total(io.tether.telemetry.Metric.REQUESTS)).isEqualTo(11);
        for (Latency l : Latency.values()) {
            assertThat(latency(l).getTotalCount()).as(l.name()).isZero();
        }
    }

    @Test
    void shouldTimeTheRoundTripOfPingsAnsweredOverTcpAndWebSocket() throws Exception {
        server = TetherServer.builder().config(TestServers.config("listen", "tcp://127.0.0.1:0",
            "heartbeat-interval", "100ms")).start();
        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("pinged");
            for (int pongs = 0; pongs < 3; pongs++) {
                final long nonce = c.read(HandWire.PING).varint(1);
                c.sendFrame(HandWire.frame(HandWire.PONG, new HandWire.Writer().varint(1, nonce)));
            }
            // An unsolicited pong with a made-up nonce is not a round trip.
            c.sendFrame(HandWire.frame(HandWire.PONG, new HandWire.Writer().varint(1, 12345)));
            TestServers.await("three round trips", () -> latency(Latency.PING_ROUND_TRIP).getTotalCount() >= 3);
        }
        assertThat(latency(Latency.PING_ROUND_TRIP).getTotalCount()).isEqualTo(3);
        assertThat(latency(Latency.PING_ROUND_TRIP).getMaxValue()).isLessThan(TimeUnit.SECONDS.toNanos(1));
        server.shutdown(Duration.ofSeconds(1));

        server = TetherServer.builder().config(TestServers.config("listen", "ws://127.0.0.1:0/tether",
            "heartbeat-interval", "100ms")).start();
        try (WebSocketRawClientTest.RawWebSocket ws = WebSocketRawClientTest.RawWebSocket.open(
            TestServers.address(server), "/tether")) {
            ws.send(0x82, Frame.newBuilder().setHello(Hello.newBuilder().setClientId("ws")).build().toByteArray());
            int pongs = 0;
            while (pongs < 2) {
                final WebSocketRawClientTest.RawWebSocket.Frame f = ws.read();
                if (f.opcode() == WebSocketRawClientTest.RawWebSocket.PING) {
                    ws.send(0x8A, f.payload());
                    pongs++;
                }
            }
            TestServers.await("two round trips", () -> latency(Latency.PING_ROUND_TRIP).getTotalCount() >= 2);
        }
    }

    @Test
    void shouldRecordTheLagOfALoopThatOneHandlerHeldForHalfASecond() throws Exception {
        server = TetherServer.builder().config(TestServers.config("io-threads", "1"))
            .onRequestInline("stall", call -> {
                final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
                return Reply.ok();
            })
            .start();
        TestServers.await("the probe runs", () -> latency(Latency.LOOP_LAG).getTotalCount() >= 5);
        assertThat(latency(Latency.LOOP_LAG).getMaxValue()).as("an idle loop is on time")
            .isLessThan(TimeUnit.MILLISECONDS.toNanos(200));
        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("staller");
            c.sendFrame(HandWire.request(1, "stall", new byte[0]));
            c.read(HandWire.RESPONSE);
        }
        TestServers.await("the stall seen as lag",
            () -> latency(Latency.LOOP_LAG).getMaxValue() >= TimeUnit.MILLISECONDS.toNanos(450));
    }

    @Test
    void shouldTimeEachServerTlsHandshake(@TempDir Path certs) throws Exception {
        CertificateIssuer.writeCertificateSet(certs, List.of(), List.of("alice"), Duration.ofDays(2));
        server = TetherServer.builder().config(ConfigBinder.bind(Map.of(
                "listen", List.of("tls://127.0.0.1:0"), "io-threads", List.of("1"),
                "tls-cert", List.of(certs.resolve("server.pem").toString()),
                "tls-key", List.of(certs.resolve("server.key").toString()),
                "tls-ca", List.of(certs.resolve("ca.pem").toString()))))
            .start();
        final TlsClientSettings alice = new TlsClientSettings(certs.resolve("alice.pem"), certs.resolve("alice.key"),
            null, certs.resolve("ca.pem"), TlsProvider.JDK, null);
        final String url = "tls://127.0.0.1:" + TestServers.address(server).getPort();
        for (int i = 0; i < 2; i++) {
            try (TetherClient client = TetherClient.builder().clientId("alice").tls(alice).connect(url)) {
                client.request("echo", ByteString.copyFromUtf8("x")).get(10, TimeUnit.SECONDS);
            }
        }
        assertThat(latency(Latency.TLS_HANDSHAKE).getTotalCount()).isEqualTo(2);
        assertThat(latency(Latency.TLS_HANDSHAKE).getMinValue()).isPositive();
    }
}
