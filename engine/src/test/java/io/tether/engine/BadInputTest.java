package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.codec.GoodbyeCode;
import io.tether.engine.HandWire.Fields;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad input gets a Goodbye that says what was wrong, the connection closes, the refusal is counted,
 * and a well-behaved client on the same event loop goes on being served.
 */
class BadInputTest {
    private final ServerWithRawClients servers = new ServerWithRawClients();
    private TetherServer server;
    private RawClient good;

    @AfterEach
    void tearDown() throws IOException {
        servers.close();
    }

    /**
     * Starts a server with one event loop, and a good client that has said Hello before anything goes wrong; returns
     * a second connection, for the bad client.
     */
    private RawClient startWithGoodClient(String... config) throws IOException {
        final String[] all = Arrays.copyOf(config, config.length + 2);
        all[config.length] = "io-threads";
        all[config.length + 1] = "1";
        server = servers.start(all);
        good = servers.connect();
        good.hello("good");
        good.echo("before");
        return servers.connect();
    }

    /** The bad client gets Goodbye{code} with a reason, then the end of the stream; counted; others served. */
    private void assertRefused(RawClient bad, int code, String reasonPart, Metric counter) throws IOException {
        final Fields goodbye = bad.readGoodbyeThenEndOfStream();
        assertThat(goodbye.varint(1)).as("Goodbye code").isEqualTo(code);
        assertThat(goodbye.string(2)).as("Goodbye reason").containsIgnoringCase(reasonPart);
        TestServers.await(counter + " counted", () -> server.counters().total(counter) == 1);
        good.echo("after");
    }

    @Test
    void shouldRefuseGarbageAsAMalformedLength() throws IOException {
        final RawClient bad = startWithGoodClient();
        final byte[] garbage = new byte[16];
        Arrays.fill(garbage, (byte) 0xFF);
        bad.send(garbage);
        assertRefused(bad, GoodbyeCode.INVALID_FRAME, "malformed frame length", Metric.PROTOCOL_ERRORS);
    }

    @Test
    void shouldCloseCleanlyOnALengthCutShortByTheClientClosing() throws IOException {
        final RawClient bad = startWithGoodClient();
        bad.hello("truncated");
        bad.send(new byte[] {(byte) 0x80, (byte) 0x80});
        bad.shutdownOutput();
        // Nothing was wrong yet, only unfinished: the server closes its side without a Goodbye.
        assertThat(bad.readByte()).isEqualTo(-1);
        TestServers.await("connection closed", () -> server.counters().openConnections() == 1);
        assertThat(server.counters().total(Metric.PROTOCOL_ERRORS)).isZero();
        good.echo("after");
    }

    @Test
    void shouldRefuseAnOversizedLengthAsSoonAsTheHeaderArrives() throws IOException {
        final RawClient bad = startWithGoodClient("max-frame-size", "1KiB");
        bad.hello("oversized");
        // 2 MiB announced, no body sent: the Goodbye must not wait for bytes that never come.
        bad.send(HandWire.varint(2 * 1024 * 1024));
        assertRefused(bad, GoodbyeCode.FRAME_TOO_LARGE, "max-frame-size (1024 bytes)", Metric.PROTOCOL_ERRORS);
    }

    @Test
    void shouldRefuseAFrameThatDoesNotParse() throws IOException {
        final RawClient bad = startWithGoodClient();
        bad.hello("unparseable");
        // Frame.request claims 5 bytes but the frame ends after 1.
        bad.sendFrame(new byte[] {0x1A, 0x05, 0x08});
        assertRefused(bad, GoodbyeCode.INVALID_FRAME, "unparseable frame", Metric.PROTOCOL_ERRORS);
    }

    @Test
    void shouldRefuseAFrameOfNoKind() throws IOException {
        final RawClient bad = startWithGoodClient();
        bad.hello("empty");
        bad.sendFrame(new byte[0]);
        assertRefused(bad, GoodbyeCode.INVALID_FRAME, "no known kind", Metric.PROTOCOL_ERRORS);
    }

    @Test
    void shouldRefuseARequestBeforeHello() throws IOException {
        final RawClient bad = startWithGoodClient();
        bad.sendFrame(HandWire.request(1, "echo", HandWire.utf8("too early")));
        assertRefused(bad, GoodbyeCode.PROTOCOL_ERROR, "expected Hello as the first frame, got request",
            Metric.PROTOCOL_ERRORS);
    }

    @Test
    void shouldRefuseASecondHello() throws IOException {
        final RawClient bad = startWithGoodClient();
        bad.hello("twice");
        bad.sendFrame(HandWire.hello("twice"));
        assertRefused(bad, GoodbyeCode.PROTOCOL_ERROR, "hello twice", Metric.PROTOCOL_ERRORS);
    }

    @Test
    void shouldSayGoodbyeOnTimeToAConnectionThatNeverSaysHelloAfterTheServerWasIdle() throws Exception {
        final RawClient early = startWithGoodClient("handshake-timeout", "300ms");
        early.hello("early");
        // Nothing for the server to do for a while: no timer pending, its loop asleep in select. The passing of
        // time is the condition under test here, not a way to wait for something.
        assertThat(new CountDownLatch(1).await(4, TimeUnit.SECONDS)).isFalse();

        final RawClient silent = servers.connect();
        final long connected = System.nanoTime();
        assertThat(silent.readGoodbyeThenEndOfStream().varint(1)).isEqualTo(GoodbyeCode.HANDSHAKE_TIMEOUT);
        assertThat(Duration.ofNanos(System.nanoTime() - connected)).as("time from connect to the Goodbye")
            .isLessThan(Duration.ofSeconds(1));
        good.echo("after");
    }

    @Test
    void shouldNotLetARequestReadBeforeAProtocolErrorHoldUpShutdown() throws IOException {
        final RawClient bad = startWithGoodClient("dispatch", "virtual");
        bad.hello("request-then-garbage");
        // One write: a request the server queues for the session's virtual thread, then bytes that end the session.
        final byte[] garbage = new byte[16];
        Arrays.fill(garbage, (byte) 0xFF);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(HandWire.delimited(HandWire.request(1, "echo", HandWire.utf8("queued"))));
        bytes.writeBytes(garbage);
        bad.send(bytes.toByteArray());
        assertRefused(bad, GoodbyeCode.INVALID_FRAME, "malformed frame length", Metric.PROTOCOL_ERRORS);
        bad.close();
        good.close();
        TestServers.await("both connections closed", () -> server.counters().openConnections() == 0);

        // Nothing runs any more, so shutdown has nothing to wait for: it must not sit out its grace period.
        final long start = System.nanoTime();
        server.shutdown(Duration.ofSeconds(10));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void shouldSayGoodbyeToAConnectionThatNeverSaysHello() throws IOException {
        final RawClient silent = startWithGoodClient("handshake-timeout", "300ms");
        final long connected = System.nanoTime();
        assertRefused(silent, GoodbyeCode.HANDSHAKE_TIMEOUT, "no Hello within 300 ms", Metric.HANDSHAKE_TIMEOUTS);
        assertThat(Duration.ofNanos(System.nanoTime() - connected)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        // The good client said Hello in time and is not affected by the timeout.
        assertThat(server.counters().total(Metric.PROTOCOL_ERRORS)).isZero();
    }
}
