package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.google.protobuf.ByteString;
import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Frame;
import io.tether.codec.proto.Hello;
import io.tether.codec.proto.Request;
import io.tether.codec.proto.Response;
import io.tether.engine.WebSocketRawClientTest.RawWebSocket;
import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Messages larger than the loop's 64 KiB read buffer, and many messages in one write, through the ws+echo listener
 * and tether's echo method with the default max-frame-size (1 MiB): every byte comes back, in order, as sent.
 */
class WebSocketLargeMessagesTest {
    private static final String PATH = "/echo";
    private static final String TETHER = "/tether";

    private TetherServer server;
    private RawWebSocket ws;

    @BeforeEach
    void open() throws IOException {
        server = TetherServer.builder().config(ConfigBinder.bind(Map.of("io-threads", List.of("2"),
            "listen", List.of("ws+echo://127.0.0.1:0" + PATH, "ws://127.0.0.1:0" + TETHER),
            "handshake-timeout", List.of("300ms")))).start();
        ws = RawWebSocket.open(TestServers.address(server), PATH);
    }

    @AfterEach
    void close() {
        ws.close();
        server.shutdown(Duration.ofSeconds(1));
    }

    private static byte[] random(int length) {
        final byte[] bytes = new byte[length];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    @Test
    void shouldEchoOneFrameOfAlmostOneMebibyte() throws IOException {
        final byte[] payload = random((1 << 20) - 1);
        ws.send(0x82, payload);
        assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x82, payload));
    }

    @Test
    void shouldEchoAMessageOfFiveLargeFragmentsWithPingsBetween() throws IOException {
        final byte[] payload = random(5 * 150_000);
        for (int i = 0; i < 5; i++) {
            ws.send(i == 0 ? 0x02 : i == 4 ? 0x80 : 0x00, Arrays.copyOfRange(payload, i * 150_000, (i + 1) * 150_000));
            if (i < 4) {
                ws.send(0x89, new byte[] {(byte) i});
            }
        }
        for (int i = 0; i < 4; i++) {
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x8A, new byte[] {(byte) i}));
        }
        assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x82, payload));
    }

    @Test
    void shouldEchoLargeTextWhoseCodePointsBreakAcrossFragments() throws IOException {
        final byte[] text = "h\u20ACllo w\u00F6rld \uD83D\uDE00 ".repeat(12_000).getBytes(StandardCharsets.UTF_8);
        final int[] cuts = {0, 70_002, 140_010, 210_017, text.length}; // inside the euro sign, o umlaut, emoji
        for (int i = 0; i + 1 < cuts.length; i++) {
            final int b0 = (i == 0 ? 0x01 : 0x00) | (i + 2 == cuts.length ? 0x80 : 0);
            ws.send(b0, Arrays.copyOfRange(text, cuts[i], cuts[i + 1]));
        }
        assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x81, text));
        assertThat(server.counters().total(Metric.PROTOCOL_ERRORS)).isZero();
    }

    @Test
    void shouldEchoAThousandMessagesWrittenAtOnceInOrder() throws IOException {
        final ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            burst.writeBytes(RawWebSocket.frame(0x82, true, message(i)));
        }
        ws.write(burst.toByteArray());
        for (int i = 0; i < 1000; i++) {
            assertThat(ws.read()).isEqualTo(RawWebSocket.Frame.of(0x82, message(i)));
        }
    }

    @Test
    void shouldEchoARequestOfAlmostOneMebibyteInTetherMode() throws IOException {
        try (RawWebSocket tether = RawWebSocket.open(server.boundAddresses().get(1), TETHER)) {
            tether.send(0x82, Frame.newBuilder().setHello(Hello.newBuilder().setClientId("large")).build()
                .toByteArray());
            assertThat(Frame.parseFrom(tether.read().payload()).hasWelcome()).isTrue();
            final ByteString payload = ByteString.copyFrom(random(1_000_000));
            for (int id = 1; id <= 3; id++) {
                tether.send(0x82, Frame.newBuilder().setRequest(Request.newBuilder().setId(id).setMethod("echo")
                    .setPayload(payload)).build().toByteArray());
            }
            for (int id = 1; id <= 3; id++) {
                final RawWebSocket.Frame message = tether.read();
                assertThat(message.b0()).isEqualTo(0x82);
                final Response response = Frame.parseFrom(message.payload()).getResponse();
                assertThat(response.getId()).isEqualTo(id);
                assertThat(response.getStatus()).isZero();
                assertThat(response.getPayload()).isEqualTo(payload);
            }
        }
    }

    /**
     * The server closes first (no Hello in time) while the client is sending a message larger than the read buffer;
     * the client then answers the close. The server must read past the message to that answer, not take the middle
     * of the message for a frame header.
     */
    @Test
    void shouldReadPastALargeMessageToTheAnswerOfItsClose() throws IOException {
        try (RawWebSocket tether = RawWebSocket.open(server.boundAddresses().get(1), TETHER)) {
            assertThat(Frame.parseFrom(tether.read().payload()).getGoodbye().getCode())
                .isEqualTo(GoodbyeCode.HANDSHAKE_TIMEOUT);
            assertThat(tether.read().closeCode()).isEqualTo(GoodbyeCode.HANDSHAKE_TIMEOUT);
            final byte[] zeroKey = new byte[4]; // masked, yet the payload's bytes stay zeros on the wire
            final ByteArrayOutputStream inFlight = new ByteArrayOutputStream();
            inFlight.writeBytes(RawWebSocket.frame(0x82, zeroKey, new byte[200_000]));
            inFlight.writeBytes(RawWebSocket.frame(0x88, zeroKey, new byte[] {0x03, (byte) 0xE8}));
            assertThatCode(() -> tether.write(inFlight.toByteArray())).as("the server reads on while we write")
                .doesNotThrowAnyException();
            TestServers.await("the server closed the connection", () -> server.counters().openConnections() == 1);
        }
        assertThat(server.counters().total(Metric.PROTOCOL_ERRORS)).as("protocol errors counted").isZero();
    }

    /** Message {@code i}: its number, padded to a length that varies, so frames straddle every read boundary. */
    private static byte[] message(int i) {
        final byte[] bytes = new byte[1 + i * 37 % 300];
        Arrays.fill(bytes, (byte) i);
        return bytes;
    }
}
