package io.tether.engine.transport;

import static io.tether.engine.reactor.LoopbackConnections.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.tether.codec.FrameEncoder;
import io.tether.codec.proto.Frame;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.LoopbackConnections;
import java.util.concurrent.Callable;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A frame writer that throws while it holds a claim gives the claim back: whether the claim was a record in the
 * loop's ring (a sender on another thread, or on a peer loop), the connection's own chunk (a sender on its loop) or a
 * heap copy (a frame too large for the ring), the caller sees the writer's exception and the next frame of every
 * connection on that loop is still delivered. A claim left open in the ring would hold every later record of that
 * loop behind it for good.
 */
@Timeout(60)
class OutboundClaimAbortTest {
    /** Where the failing writer and the frames after it are sent from, and how large the failing frame is. */
    enum Sender {
        OTHER_THREAD(-1, 64),
        PEER_LOOP(1, 64),
        OWN_LOOP(0, 64),
        OTHER_THREAD_TOO_LARGE_FOR_THE_RING(-1, 4 << 20);

        final int loop;
        final int failingBody;

        Sender(int loop, int failingBody) {
            this.loop = loop;
            this.failingBody = failingBody;
        }
    }

    private LoopbackConnections fixture;
    private Connection first;
    private Connection second;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new LoopbackConnections("claim-abort-test", 2);
        first = fixture.open(fixture.loop(0), TestFrames.SILENT, TcpTransport.INSTANCE);
        second = fixture.open(fixture.loop(0), TestFrames.SILENT, TcpTransport.INSTANCE);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @ParameterizedTest
    @EnumSource(Sender.class)
    void shouldDeliverTheNextFrameOfEveryConnectionAfterAWriterThrows(Sender sender) throws Exception {
        final Throwable thrown = from(sender, () -> {
            final Throwable failure = failureOf(() -> Frames.send(first, sender.failingBody,
                OutboundClaimAbortTest::failingWriter));
            sendPong(first, 1);
            sendPong(second, 2);
            return failure;
        });

        assertThat(thrown).as("the caller sees the writer's failure").hasMessage("writer failed");
        assertThat(readFrame(first).getPong().getNonce()).isEqualTo(1);
        assertThat(readFrame(second).getPong().getNonce()).isEqualTo(2);
    }

    private <T> T from(Sender sender, Callable<T> task) throws Exception {
        return sender.loop < 0 ? task.call() : onLoop(fixture.loop(sender.loop), task);
    }

    /** Writes part of its body, then fails, as an encoder handed a value it cannot encode would. */
    private static void failingWriter(MutableDirectBuffer buffer, int index) {
        buffer.putLong(index, 0x5A5A5A5A5A5A5A5AL);
        throw new IllegalStateException("writer failed");
    }

    private static void sendPong(Connection c, long nonce) {
        Frames.send(c, FrameEncoder.pongLength(nonce), (b, at) -> FrameEncoder.putPong(b, at, nonce));
    }

    private static Throwable failureOf(Runnable action) {
        try {
            action.run();
            return null;
        } catch (RuntimeException e) {
            return e;
        }
    }

    private Frame readFrame(Connection c) throws Exception {
        return TestFrames.read(fixture.peer(c));
    }
}
