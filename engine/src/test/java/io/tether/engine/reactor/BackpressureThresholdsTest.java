package io.tether.engine.reactor;

import static io.tether.engine.TestServers.await;
import static io.tether.engine.reactor.LoopbackConnections.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.tether.codec.GoodbyeCode;
import io.tether.telemetry.Metric;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A connection's backlog against its watermarks, with a socket that takes exactly what the test lets it: over the
 * high watermark the loop stops reading and senders wait, both until the backlog is down to the low watermark
 * (hysteresis); a backlog still over the high watermark when the slow-consumer timeout passes closes the
 * connection with Goodbye 4002.
 */
@Timeout(60)
class BackpressureThresholdsTest {
    private static final int HIGH = 64 << 10;
    private static final int LOW = 16 << 10;

    private LoopbackConnections fixture;
    private EventLoop loop;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new LoopbackConnections("backpressure-test", 1);
        loop = fixture.loop(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private static ConnectionLimits limits(long slowConsumerTimeoutMs) {
        return new ConnectionLimits(1 << 20, HIGH, LOW, slowConsumerTimeoutMs, 10_000);
    }

    @Test
    void shouldStopReadingOverTheHighWatermarkUntilTheBacklogIsDownToTheLowOne() throws Exception {
        final RecordingDriver driver = new RecordingDriver().blocked();
        final Connection c = fixture.open(loop, limits(30_000), driver);

        assertThat(onLoop(loop, () -> queue(c, HIGH))).as("at the high watermark").isTrue();
        assertThat(c.pendingBytes()).isEqualTo(HIGH);
        assertThat(onLoop(loop, () -> queue(c, 1))).as("one byte over it").isFalse();

        assertThat(onLoop(loop, () -> drain(c, driver, HIGH + 1 - (LOW + 1)))).as("between the watermarks").isFalse();
        assertThat(c.pendingBytes()).isEqualTo(LOW + 1);
        assertThat(onLoop(loop, () -> drain(c, driver, 1))).as("at the low watermark").isTrue();
        assertThat(c.pendingBytes()).isEqualTo(LOW);
    }

    @Test
    void shouldHoldASenderFromOverTheHighWatermarkUntilTheBacklogIsDownToTheLowOne() throws Exception {
        final RecordingDriver driver = new RecordingDriver().blocked();
        final Connection c = fixture.open(loop, limits(30_000), driver);
        onLoop(loop, () -> queue(c, HIGH + 1));

        final CountDownLatch released = new CountDownLatch(1);
        final Thread sender = Thread.ofVirtual().start(() -> {
            c.awaitWritable();
            released.countDown();
        });
        await("the sender waits", () -> sender.getState() == Thread.State.WAITING
            || sender.getState() == Thread.State.TIMED_WAITING);

        onLoop(loop, () -> drain(c, driver, HIGH + 1 - (LOW + 1)));
        assertThat(released.await(300, TimeUnit.MILLISECONDS)).as("held between the watermarks").isFalse();
        // A sender arriving now has not seen the backlog over the high watermark: it goes on at once.
        final Thread newcomer = Thread.ofVirtual().start(c::awaitWritable);
        assertThat(newcomer.join(java.time.Duration.ofSeconds(10))).isTrue();

        onLoop(loop, () -> drain(c, driver, 1));
        assertThat(released.await(10, TimeUnit.SECONDS)).as("released at the low watermark").isTrue();
    }

    @Test
    void shouldCloseAConsumerStillOverTheHighWatermarkWhenItsTimeoutPasses() throws Exception {
        final RecordingDriver driver = new RecordingDriver().blocked();
        final Connection c = fixture.open(loop, limits(200), driver);

        onLoop(loop, () -> queue(c, HIGH + 1));

        assertThat(driver.closed().get(10, TimeUnit.SECONDS)).isEqualTo(GoodbyeCode.SLOW_CONSUMER);
        assertThat(driver.goodbyeCode()).as("the peer is told why").isEqualTo(GoodbyeCode.SLOW_CONSUMER);
        assertThat(fixture.counters().total(Metric.SLOW_CONSUMERS)).isEqualTo(1);
    }

    @Test
    void shouldKeepAConsumerThatDrainedToTheLowWatermarkBeforeItsTimeout() throws Exception {
        final RecordingDriver driver = new RecordingDriver().blocked();
        final Connection c = fixture.open(loop, limits(200), driver);

        final boolean closingAfterTimeout = onLoop(loop, () -> {
            queue(c, HIGH + 1);
            drain(c, driver, HIGH + 1 - LOW);
            return checkAfter(400, c);
        }).get(10, TimeUnit.SECONDS);

        assertThat(closingAfterTimeout).isFalse();
        assertThat(driver.goodbyeCode()).isEqualTo(-1);
        assertThat(fixture.counters().total(Metric.SLOW_CONSUMERS)).isZero();
    }

    @Test
    void shouldGiveANewSpellOverTheHighWatermarkATimeoutOfItsOwn() throws Exception {
        final RecordingDriver driver = new RecordingDriver().blocked();
        final Connection c = fixture.open(loop, limits(600), driver);

        // Over at 0 ms and back down at once: its deadline (600 ms) stays queued. Over again at 300 ms: when the
        // first deadline comes, this spell is 300 ms old, so the connection gets until 900 ms.
        final CompletableFuture<Boolean> closingAt750 = onLoop(loop, () -> {
            queue(c, HIGH + 1);
            drain(c, driver, HIGH + 1);
            loop.schedule(300, () -> queue(c, HIGH + 1));
            return checkAfter(750, c);
        });

        assertThat(closingAt750.get(10, TimeUnit.SECONDS)).isFalse();
        assertThat(driver.closed().get(10, TimeUnit.SECONDS)).isEqualTo(GoodbyeCode.SLOW_CONSUMER);
        assertThat(fixture.counters().total(Metric.SLOW_CONSUMERS)).isEqualTo(1);
    }

    /** Queues {@code bytes} on {@code c} through the loop's claim; returns whether the loop still reads from it. */
    private boolean queue(Connection c, int bytes) {
        try (OutboundClaim claim = OutboundClaim.claim(c, bytes)) {
            claim.buffer().setMemory(claim.offset(), bytes, (byte) 'q');
            claim.commit();
        }
        return reading(c);
    }

    /** Lets the socket take {@code bytes} and flushes; returns whether the loop reads from {@code c}. */
    private boolean drain(Connection c, RecordingDriver driver, int bytes) {
        driver.allow(bytes);
        c.flush();
        return reading(c);
    }

    private boolean reading(Connection c) {
        return (c.channel().keyFor(loop.selector()).interestOps() & SelectionKey.OP_READ) != 0;
    }

    /** On the loop, after {@code delayMs} of the loop's clock: whether {@code c} is closing by then. */
    private CompletableFuture<Boolean> checkAfter(long delayMs, Connection c) {
        final CompletableFuture<Boolean> closing = new CompletableFuture<>();
        loop.schedule(delayMs, () -> closing.complete(c.isClosing()));
        return closing;
    }
}
