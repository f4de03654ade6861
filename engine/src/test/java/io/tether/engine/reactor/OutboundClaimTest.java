package io.tether.engine.reactor;

import static io.tether.engine.TestServers.await;
import static io.tether.engine.reactor.LoopbackConnections.onLoop;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The three places a claim puts its bytes (the connection's chunk on its loop, the loop's ring from another thread,
 * a heap copy when the ring cannot take them), what the connection's socket gets after a commit, and what an
 * abort leaves behind: nothing, on the wire or in the backlog.
 */
@Timeout(60)
class OutboundClaimTest {
    private static final ConnectionLimits LIMITS = new ConnectionLimits(1 << 20, 8 << 20, 4 << 20, 30_000, 10_000);

    private LoopbackConnections fixture;
    private EventLoop loop;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new LoopbackConnections("claim-test", 2);
        loop = fixture.loop(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void shouldWriteStraightIntoTheConnectionsChunkWithTheLoopsOwnClaim() throws Exception {
        final RecordingDriver driver = new RecordingDriver();
        final Connection c = fixture.open(loop, LIMITS, driver);

        final boolean reused = onLoop(loop, () -> {
            final OutboundClaim first = put(c, "hello");
            assertThat(first.buffer()).isNotSameAs(loop.outboundRing().buffer());
            first.commit();
            final OutboundClaim second = put(c, " world");
            second.commit();
            return first == second;
        });

        assertThat(reused).as("one claim serves every write of the loop").isTrue();
        await("both writes reach the socket", () -> text(driver).equals("hello world"));
        assertThat(c.pendingBytes()).isZero();
    }

    @Test
    void shouldLeaveTheQueueAsItWasWhenAClaimOnTheLoopIsAborted() throws Exception {
        final RecordingDriver driver = new RecordingDriver().blocked();
        final Connection c = fixture.open(loop, LIMITS, driver);

        final long pendingAfterAborts = onLoop(loop, () -> {
            put(c, "first").commit();
            put(c, "garbage in the tail chunk").abort();
            // Larger than what is left of the tail chunk: a fresh chunk, which the abort gives back.
            try (OutboundClaim big = OutboundClaim.claim(c, BufferPool.CHUNK_SIZE)) {
                big.buffer().setMemory(big.offset(), big.length(), (byte) 'x');
            }
            put(c, "second").commit();
            return c.pendingBytes();
        });
        assertThat(pendingAfterAborts).isEqualTo("firstsecond".length());

        onLoop(loop, () -> {
            driver.allow(Long.MAX_VALUE / 2);
            c.flush();
            return null;
        });
        assertThat(text(driver)).isEqualTo("firstsecond");
        assertThat(c.pendingBytes()).isZero();
    }

    @Test
    void shouldPutAClaimFromAnotherThreadInTheLoopsRingAndCountItAtCommit() throws Exception {
        final RecordingDriver driver = new RecordingDriver();
        final Connection c = fixture.open(loop, LIMITS, driver);

        final OutboundClaim claim = put(c, "through the ring");
        assertThat(claim.buffer()).isSameAs(loop.outboundRing().buffer());
        assertThat(c.pendingBytes()).as("nothing is handed over before the commit").isZero();
        claim.commit();

        await("the record reaches the socket", () -> text(driver).equals("through the ring"));
    }

    @Test
    void shouldSkipAnAbortedRingRecordAndDeliverTheRecordsAfterIt() throws Exception {
        final RecordingDriver firstDriver = new RecordingDriver();
        final RecordingDriver secondDriver = new RecordingDriver();
        final Connection first = fixture.open(loop, LIMITS, firstDriver);
        final Connection second = fixture.open(loop, LIMITS, secondDriver);

        final OutboundClaim held = put(first, "never sent");
        put(second, "queued behind it").commit();
        // While the first record is claimed, the loop cannot read past it: nothing reaches the second connection.
        final int writtenWhileHeld = onLoop(loop, () -> {
            loop.drainOutbound();
            second.flush();
            return secondDriver.written().length;
        });
        assertThat(writtenWhileHeld).isZero();

        held.abort();

        await("the record after the aborted one is delivered", () -> text(secondDriver).equals("queued behind it"));
        put(first, "next").commit();
        await("the first connection's next record is delivered", () -> text(firstDriver).equals("next"));
        // The loop takes the written bytes off pendingBytes after the driver saw them: wait for it, then check.
        await("the first connection's backlog is written", () -> first.pendingBytes() == 0);
        assertThat(loop.outboundRing().isEmpty()).isTrue();
    }

    @Test
    void shouldCopyARecordLargerThanTheRingTakesThroughTheHeap() throws Exception {
        final RecordingDriver driver = new RecordingDriver();
        final Connection c = fixture.open(loop, LIMITS, driver);
        final int length = loop.outboundRing().maxBodyLength() + 1;

        try (OutboundClaim aborted = OutboundClaim.claim(c, length)) {
            aborted.buffer().setMemory(aborted.offset(), length, (byte) 'a');
        }
        final OutboundClaim claim = OutboundClaim.claim(c, length);
        assertThat(claim.buffer()).isNotSameAs(loop.outboundRing().buffer());
        claim.buffer().setMemory(claim.offset(), length, (byte) 'b');
        claim.commit();

        await("the heap copy reaches the socket", () -> driver.written().length >= length);
        final byte[] expected = new byte[length];
        Arrays.fill(expected, (byte) 'b');
        assertThat(driver.written()).as("the aborted copy is not sent").isEqualTo(expected);
        await("the backlog is drained", () -> c.pendingBytes() == 0);
    }

    @Test
    void shouldHandAPeerLoopsClaimOverThroughTheHeapWhenTheRingIsFullRatherThanWait() throws Exception {
        final RecordingDriver driver = new RecordingDriver();
        final Connection c = fixture.open(loop, LIMITS, driver);
        final Connection filler = fixture.open(loop, LIMITS, new RecordingDriver());
        final CountDownLatch busy = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        loop.execute(() -> {
            busy.countDown();
            awaitQuietly(release); // the loop is held up elsewhere and drains nothing meanwhile
        });
        assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
        try {
            final OutboundRing ring = loop.outboundRing();
            for (int size : new int[] {1024, 64, 0}) { // fill it up to the last few bytes
                int at;
                while ((at = ring.tryClaim(OutboundRing.FRAME, filler, size)) >= 0) {
                    filler.addPending(size);
                    ring.commit(at);
                }
            }

            final boolean onHeap = onLoop(fixture.loop(1), () -> {
                final OutboundClaim claim = put(c, "from a peer loop");
                final boolean heap = claim.buffer() != ring.buffer();
                claim.commit();
                return heap;
            });
            assertThat(onHeap).isTrue();
        } finally {
            release.countDown();
        }
        await("the peer loop's record is delivered", () -> text(driver).equals("from a peer loop"));
    }

    @Test
    void shouldRefuseANestedClaimOnTheLoop() throws Exception {
        final RecordingDriver driver = new RecordingDriver();
        final Connection c = fixture.open(loop, LIMITS, driver);

        onLoop(loop, () -> {
            try (OutboundClaim outer = put(c, "outer")) {
                assertThatThrownBy(() -> OutboundClaim.claim(c, 5)).isInstanceOf(IllegalStateException.class);
                outer.commit();
            }
            put(c, " then more").commit();
            return null;
        });

        await("both writes reach the socket", () -> text(driver).equals("outer then more"));
    }

    /** Claims room for {@code text} on {@code c} from the calling thread and writes it there, uncommitted. */
    private static OutboundClaim put(Connection c, String text) {
        final byte[] bytes = text.getBytes(US_ASCII);
        final OutboundClaim claim = OutboundClaim.claim(c, bytes.length);
        assertThat(claim.length()).isEqualTo(bytes.length);
        claim.buffer().putBytes(claim.offset(), bytes);
        return claim;
    }

    private static String text(RecordingDriver driver) {
        return new String(driver.written(), US_ASCII);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
