package io.tether.engine.reactor;

import static io.tether.engine.TestServers.await;
import static io.tether.engine.reactor.LoopbackConnections.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.tether.telemetry.Metric;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A ring record is addressed to one connection: when that connection closes before the loop reads the record, and
 * a new connection has taken its slot in the loop's table, the record is dropped, not written to the newcomer. (A
 * client request addressed to its just-lost connection once reached the next connection ahead of the re-sent ones
 * before it, so the server ran them out of order.)
 */
class OutboundRingAddressTest {
    private static final ConnectionLimits LIMITS = new ConnectionLimits(1 << 20, 1 << 20, 256 << 10, 30_000, 10_000);

    private LoopbackConnections fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new LoopbackConnections("ring-address-test", 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    @Timeout(30)
    void shouldDropARecordForAClosedConnectionRatherThanWriteItToTheNextInItsSlot() throws Exception {
        final EventLoop loop = fixture.loop(0);
        final Connection first = fixture.open(loop, LIMITS, new RecordingDriver());

        // A sender addresses a record to the first connection; before it commits, that connection closes and a
        // second one takes its slot. (This thread is no event loop, so its claims are records in the loop's ring.)
        final byte[] stale = "for the first connection".getBytes(StandardCharsets.US_ASCII);
        final OutboundClaim claim = OutboundClaim.claim(first, stale.length);
        claim.buffer().putBytes(claim.offset(), stale);
        onLoop(loop, () -> {
            first.closeNow(null);
            return null;
        });
        final RecordingDriver secondDriver = new RecordingDriver();
        final Connection second = fixture.open(loop, LIMITS, secondDriver);
        assertThat(second.slot()).as("the second connection reuses the first one's slot").isEqualTo(first.slot());
        claim.commit();

        final byte[] marker = "for the second connection".getBytes(StandardCharsets.US_ASCII);
        final OutboundClaim markerClaim = OutboundClaim.claim(second, marker.length);
        markerClaim.buffer().putBytes(markerClaim.offset(), marker);
        markerClaim.commit();

        // The ring is read in order, so the stale record would have come first.
        await("the marker reaches the second connection's socket", () -> secondDriver.written().length >= marker.length);
        assertThat(secondDriver.written()).isEqualTo(marker);
        assertThat(fixture.counters().total(Metric.UNDELIVERED)).isEqualTo(1);
    }
}
