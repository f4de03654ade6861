package io.tether.session;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class OutboxTest {

    private final List<String> replayed = new ArrayList<>();
    private final Outbox.PushConsumer recorder =
        (seq, buffer, offset, length) -> replayed.add(seq + ":" + new String(buffer, offset, length, US_ASCII));

    @Test
    void shouldNumberPushesFromOne() {
        final Outbox outbox = new Outbox(1024);

        assertThat(outbox.nextSeq()).isEqualTo(1);
        assertThat(outbox.lastSeq()).isZero();
        push(outbox, "a");
        assertThat(outbox.nextSeq()).isEqualTo(2);
        assertThat(outbox.lastSeq()).isEqualTo(1);
    }

    @Test
    void shouldRejectOutOfOrderSeq() {
        final Outbox outbox = new Outbox(1024);

        assertThatThrownBy(() -> outbox.append(2, bytes("a"), 0, 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("expected 1");
        assertThat(outbox.nextSeq()).isEqualTo(1);
    }

    @Test
    void shouldReplayRetainedPushesAfterLastSeqInOrder() {
        final Outbox outbox = new Outbox(1024);
        push(outbox, "one", "two", "three", "four");

        final int count = outbox.replayAfter(2, recorder);

        assertThat(count).isEqualTo(2);
        assertThat(replayed).containsExactly("3:three", "4:four");
        assertThat(outbox.retainedCount()).as("replay does not release").isEqualTo(4);
    }

    @Test
    void shouldReleaseUpToAndIncludingAckedSeq() {
        final Outbox outbox = new Outbox(1024);
        push(outbox, "one", "two", "three");

        assertThat(outbox.ack(2)).isEqualTo(2);
        outbox.replayAfter(0, recorder);

        assertThat(replayed).containsExactly("3:three");
        assertThat(outbox.retainedBytes()).isEqualTo(Outbox.RECORD_OVERHEAD + 5);
    }

    @Test
    void shouldIgnoreOldRepeatedAndUnknownAcks() {
        final Outbox outbox = new Outbox(1024);
        push(outbox, "one", "two", "three");
        outbox.ack(2);

        assertThat(outbox.ack(1)).as("older than an earlier ack").isZero();
        assertThat(outbox.ack(2)).as("repeated").isZero();
        assertThat(outbox.ack(0)).isZero();
        assertThat(outbox.ack(-5)).isZero();
        assertThat(outbox.ack(4)).as("never sent").isZero();
        assertThat(outbox.retainedCount()).isEqualTo(1);
    }

    @Test
    void shouldReleaseStorageWhenFullyAcked() {
        final Outbox outbox = new Outbox(1024);
        assertThat(outbox.capacity()).as("nothing allocated before the first push").isZero();
        push(outbox, "one", "two");
        assertThat(outbox.capacity()).isPositive();

        outbox.ack(2);

        assertThat(outbox.capacity()).isZero();
        assertThat(outbox.retainedBytes()).isZero();
        assertThat(outbox.replayAfter(0, recorder)).isZero();
        assertThat(outbox.canResumeFrom(2)).isTrue();
        push(outbox, "three");
        outbox.replayAfter(2, recorder);
        assertThat(replayed).containsExactly("3:three");
    }

    @Test
    void shouldResumeOnlyFromSeqsWhoseSuccessorsAreAllRetained() {
        final Outbox outbox = new Outbox(1024);
        assertThat(outbox.canResumeFrom(0)).as("fresh session").isTrue();
        push(outbox, "one", "two", "three");
        outbox.ack(1);

        assertThat(outbox.canResumeFrom(0)).as("push 1 was released").isFalse();
        assertThat(outbox.canResumeFrom(1)).isTrue();
        assertThat(outbox.canResumeFrom(3)).as("has everything").isTrue();
        assertThat(outbox.canResumeFrom(4)).as("never sent").isFalse();
        assertThat(outbox.canResumeFrom(-1)).as("uint64 above Long.MAX_VALUE").isFalse();
    }

    @Test
    void shouldDropOldestWhenOverBoundAndRefuseResumeFromBeforeTheLoss() {
        final int pushSize = Outbox.RECORD_OVERHEAD + 8;
        final Outbox outbox = new Outbox(pushSize * 4);
        for (int seq = 1; seq <= 6; seq++) {
            assertThat(outbox.append(seq, bytes("push-%03d".formatted(seq)), 0, 8)).isTrue();
        }

        assertThat(outbox.overflowed()).isTrue();
        assertThat(outbox.lostThroughSeq()).isEqualTo(2);
        assertThat(outbox.droppedPushes()).isEqualTo(2);
        assertThat(outbox.retainedBytes()).isEqualTo(pushSize * 4);
        assertThat(outbox.capacity()).isLessThanOrEqualTo(pushSize * 4);
        assertThat(outbox.canResumeFrom(0)).isFalse();
        assertThat(outbox.canResumeFrom(1)).isFalse();
        assertThat(outbox.canResumeFrom(2)).as("the client already has the lost ones").isTrue();
        outbox.replayAfter(2, recorder);
        assertThat(replayed).containsExactly("3:push-003", "4:push-004", "5:push-005", "6:push-006");
    }

    @Test
    void shouldLoseAPushLargerThanTheBoundWithEverythingBeforeIt() {
        final Outbox outbox = new Outbox(32);
        push(outbox, "small");

        assertThat(outbox.append(2, new byte[64], 0, 64)).isFalse();

        assertThat(outbox.retainedCount()).isZero();
        assertThat(outbox.capacity()).isZero();
        assertThat(outbox.lostThroughSeq()).isEqualTo(2);
        assertThat(outbox.droppedPushes()).isEqualTo(2);
        assertThat(outbox.canResumeFrom(1)).isFalse();
        assertThat(outbox.canResumeFrom(2)).isTrue();
        push(outbox, "next");
        outbox.replayAfter(2, recorder);
        assertThat(replayed).containsExactly("3:next");
    }

    @Test
    void shouldKeepOrderAcrossWrapAroundAndGrowth() {
        final Outbox outbox = new Outbox(4096);
        long acked = 0;
        for (int seq = 1; seq <= 500; seq++) {
            final String body = "p" + seq + "-".repeat(seq % 37);
            push(outbox, body);
            if (seq % 7 == 0) {
                acked = seq - 3;
                outbox.ack(acked);
            }
        }

        outbox.replayAfter(acked, recorder);

        final List<String> expected = new ArrayList<>();
        for (long seq = acked + 1; seq <= 500; seq++) {
            expected.add(seq + ":p" + seq + "-".repeat((int) (seq % 37)));
        }
        assertThat(replayed).containsExactlyElementsOf(expected);
        assertThat(outbox.overflowed()).isFalse();
    }

    @Test
    void shouldRetainContinuouslyAtTheBoundWithVaryingSizes() {
        final Outbox outbox = new Outbox(300);
        for (int seq = 1; seq <= 2000; seq++) {
            push(outbox, "x".repeat(1 + seq * 7 % 50) + seq);
        }

        outbox.replayAfter(0, recorder);

        final long first = outbox.lastSeq() - outbox.retainedCount() + 1;
        assertThat(outbox.lostThroughSeq()).isEqualTo(first - 1);
        assertThat(outbox.canResumeFrom(first - 1)).isTrue();
        assertThat(outbox.canResumeFrom(first - 2)).isFalse();
        assertThat(replayed).hasSize(outbox.retainedCount()).last().asString().endsWith("2000");
        assertThat(outbox.retainedBytes()).isLessThanOrEqualTo(300);
        assertThat(outbox.capacity()).isEqualTo(300);
        for (int i = 0; i < replayed.size(); i++) {
            assertThat(replayed.get(i)).startsWith((first + i) + ":").endsWith(Long.toString(first + i));
        }
    }

    @Test
    void shouldCopyFromDirectBuffers() {
        final Outbox outbox = new Outbox(1024);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(16));
        direct.putStringWithoutLengthAscii(4, "hello");

        outbox.append(1, direct, 4, 5);
        outbox.replayAfter(0, recorder);

        assertThat(replayed).containsExactly("1:hello");
    }

    @Test
    void shouldNotConsumeASeqWhenTheSourceSliceIsInvalid() {
        final Outbox outbox = new Outbox(1024);

        assertThatThrownBy(() -> outbox.append(1, new byte[4], 2, 5)).isInstanceOf(IndexOutOfBoundsException.class);

        assertThat(outbox.nextSeq()).isEqualTo(1);
        assertThat(outbox.retainedCount()).isZero();
    }

    private static void push(final Outbox outbox, final String... bodies) {
        for (final String body : bodies) {
            final byte[] bytes = bytes(body);
            assertThat(outbox.append(outbox.nextSeq(), bytes, 0, bytes.length)).isTrue();
        }
    }

    private static byte[] bytes(final String text) {
        return text.getBytes(US_ASCII);
    }

    @Test
    void shouldHoldTheNextPushToALoweredLimitDroppingTheOldest() {
        final Outbox outbox = new Outbox(4096);
        final byte[] push = new byte[1000];
        for (long seq = 1; seq <= 4; seq++) {
            assertThat(outbox.append(seq, push, 0, push.length)).isTrue();
        }
        assertThat(outbox.retainedCount()).isEqualTo(4);
        outbox.limit(2048);
        assertThat(outbox.fits(3000)).isFalse();
        assertThat(outbox.append(5, push, 0, push.length)).isTrue();
        assertThat(outbox.retainedBytes()).isLessThanOrEqualTo(2048);
        assertThat(outbox.retainedCount()).isEqualTo(2);
        assertThat(outbox.lostThroughSeq()).isEqualTo(3);
        assertThat(outbox.canResumeFrom(2)).isFalse();
        assertThat(outbox.canResumeFrom(3)).isTrue();
        outbox.limit(8192); // and raised again: room for more
        for (long seq = 6; seq <= 9; seq++) {
            assertThat(outbox.append(seq, push, 0, push.length)).isTrue();
        }
        assertThat(outbox.retainedCount()).isEqualTo(6);
    }

    @Test
    void shouldGoOnWithAnotherOutboxsNumberingWhenContinued() {
        final Outbox from = new Outbox(1024);
        push(from, "a");
        push(from, "b");
        push(from, "c");
        from.ack(1);
        final Outbox to = new Outbox(1024);
        to.continueFrom(from.firstSeq(), from.lostThroughSeq());
        from.replayAfter(0, (seq, buffer, offset, length) -> to.append(seq, buffer, offset, length));

        assertThat(to.nextSeq()).isEqualTo(4);
        assertThat(to.canResumeFrom(1)).isTrue();
        assertThat(to.canResumeFrom(0)).isFalse();
        to.replayAfter(1, recorder);
        assertThat(replayed).containsExactly("2:b", "3:c");
    }

    @Test
    void shouldRefuseToContinueOnceItHasPushes() {
        final Outbox outbox = new Outbox(1024);
        push(outbox, "a");

        assertThatThrownBy(() -> outbox.continueFrom(5, 0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new Outbox(64).continueFrom(5, 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
