package io.tether.engine.server;

import static io.tether.engine.reactor.LoopbackConnections.onLoop;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.codec.Status;
import io.tether.codec.proto.Frame;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.LoopbackConnections;
import io.tether.engine.transport.TcpTransport;
import io.tether.engine.transport.TestFrames;
import io.tether.session.RecentResponses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pieces of a server session on their own, against a real loop and socket: the request ledger (dedupe window,
 * one-at-a-time order of inline and queued handlers) and the push outbox (numbering, replay after a resume, acks,
 * its bound).
 */
@Timeout(60)
class SessionPartsTest {
    private LoopbackConnections fixture;
    private Connection connection;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new LoopbackConnections("session-parts-test", 1);
        connection = fixture.open(fixture.loop(0), TestFrames.SILENT, TcpTransport.INSTANCE);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    // ---- the request ledger

    @Test
    void shouldRunARequestOnceAndAnswerItsResendFromTheWindow() throws Exception {
        final RequestLedger ledger = new RequestLedger(null, null, 16);
        assertThat(ledger.begin(7)).isEqualTo(RecentResponses.Status.NEW);
        assertThat(ledger.begin(7)).as("a re-send while it runs").isEqualTo(RecentResponses.Status.IN_FLIGHT);

        ledger.complete(7, Reply.ok(ByteString.copyFromUtf8("seven")), 1_000);
        assertThat(ledger.begin(7)).as("a re-send after it answered").isEqualTo(RecentResponses.Status.ANSWERED);
        onLoop(fixture.loop(0), () -> {
            ledger.replay(connection, 7);
            return null;
        });
        final Frame replayed = readFrame();
        assertThat(replayed.getResponse().getId()).isEqualTo(7);
        assertThat(replayed.getResponse().getPayload().toStringUtf8()).isEqualTo("seven");

        ledger.expireBefore(1_001);
        assertThat(ledger.begin(7)).as("forgotten once its window passed").isEqualTo(RecentResponses.Status.NEW);
    }

    @Test
    void shouldKeepAnErrorAnswerAsItWasSent() throws Exception {
        final RequestLedger ledger = new RequestLedger(null, null, 16);
        ledger.begin(3);
        ledger.complete(3, Reply.error(Status.INVALID_ARGUMENT, "no such thing"), 1_000);
        onLoop(fixture.loop(0), () -> {
            ledger.replay(connection, 3);
            return null;
        });
        final Frame replayed = readFrame();
        assertThat(replayed.getResponse().getStatus()).isEqualTo(Status.INVALID_ARGUMENT);
        assertThat(replayed.getResponse().getError()).isEqualTo("no such thing");
    }

    @Test
    void shouldRunInlineOnlyWhenNothingOfTheSessionRunsOrWaits() {
        final RequestLedger ledger = new RequestLedger(null, null, 16);
        assertThat(ledger.tryRunInline(1)).as("a queued request goes first").isFalse();
        assertThat(ledger.tryRunInline(0)).isTrue();
        assertThat(ledger.inlineRunning()).isTrue();
        assertThat(ledger.tryRunInline(0)).as("one inline handler at a time").isFalse();

        assertThat(ledger.inlineDone()).as("nobody waits").isFalse();
        assertThat(ledger.inlineRunning()).isFalse();

        assertThat(ledger.tryRunInline(0)).isTrue();
        ledger.addWaiter(1);
        assertThat(ledger.inlineDone()).as("a worker waits for it").isTrue();
        ledger.addWaiter(-1);
    }

    // ---- the push outbox

    @Test
    void shouldNumberPushesAndSendOnlyWhatTheClientLacksAfterAResume() throws Exception {
        final PushOutbox pushes = new PushOutbox(null, 1 << 20);
        for (int i = 1; i <= 3; i++) {
            assertThat(pushes.append("t", ByteString.copyFromUtf8("p" + i), null)).isZero();
        }
        assertThat(pushes.lastSeq()).isEqualTo(3);
        assertThat(pushes.canResumeFrom(0)).isTrue();

        pushes.resumedFrom(1); // the client had seq 1
        assertThat(onLoop(fixture.loop(0), () -> pushes.writeNew(connection))).isEqualTo(2);
        assertThat(readFrame().getPush().getSeq()).isEqualTo(2);
        final Frame third = readFrame();
        assertThat(third.getPush().getSeq()).isEqualTo(3);
        assertThat(third.getPush().getPayload().toStringUtf8()).isEqualTo("p3");
        assertThat(onLoop(fixture.loop(0), () -> pushes.writeNew(connection))).as("nothing new").isZero();

        pushes.ack(3);
        assertThat(pushes.retainedBytes()).isZero();
    }

    @Test
    void shouldDropTheOldestWhenFullAndThenRefuseAResumeFromBeforeThem() {
        final PushOutbox pushes = new PushOutbox(null, 4096);
        long dropped = 0;
        for (int i = 0; i < 100; i++) {
            dropped += pushes.append("t", ByteString.copyFrom(new byte[100]), null);
        }
        assertThat(dropped).isPositive();
        assertThat(pushes.retainedBytes()).isLessThanOrEqualTo(4096);
        assertThat(pushes.canResumeFrom(0)).isFalse();
        assertThat(pushes.canResumeFrom(pushes.lastSeq())).isTrue();
    }

    @Test
    void shouldRefuseAPushLargerThanTheWholeOutboxNamingTheSetting() {
        final PushOutbox pushes = new PushOutbox(null, 4096);
        assertThatThrownBy(() -> pushes.append("t", ByteString.copyFrom(new byte[8192]), null))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("session-outbox-bytes");
        assertThat(pushes.lastSeq()).isZero();
    }

    private Frame readFrame() throws Exception {
        return TestFrames.read(fixture.peer(connection));
    }
}
