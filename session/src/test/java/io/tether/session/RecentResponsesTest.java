package io.tether.session;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class RecentResponsesTest {

    private final List<String> replayed = new ArrayList<>();
    private final RecentResponses.ResponseConsumer recorder =
        (id, buffer, offset, length) -> replayed.add(id + ":" + new String(buffer, offset, length, US_ASCII));

    @Test
    void shouldRunANewRequestOnceAndAnswerItsDuplicateFromTheWindow() {
        final RecentResponses window = new RecentResponses(8, 1024);

        assertThat(window.begin(7)).isEqualTo(RecentResponses.Status.NEW);
        complete(window, 7, 100, "ok-7");

        assertThat(window.begin(7)).isEqualTo(RecentResponses.Status.ANSWERED);
        assertThat(window.replay(7, recorder)).isTrue();
        assertThat(replayed).containsExactly("7:ok-7");
    }

    @Test
    void shouldReportADuplicateOfARunningRequestAsInFlight() {
        final RecentResponses window = new RecentResponses(8, 1024);
        window.begin(1);

        assertThat(window.begin(1)).isEqualTo(RecentResponses.Status.IN_FLIGHT);
        assertThat(window.begin(1)).isEqualTo(RecentResponses.Status.IN_FLIGHT);
        assertThat(window.inFlightCount()).isEqualTo(1);
        assertThat(window.replay(1, recorder)).isFalse();
        complete(window, 1, 0, "done");
        assertThat(window.inFlightCount()).isZero();
        assertThat(window.begin(1)).isEqualTo(RecentResponses.Status.ANSWERED);
    }

    @Test
    void shouldTrackManyRequestsInFlightAtOnce() {
        final RecentResponses window = new RecentResponses(64, 4096);
        for (long id = 1; id <= 20; id++) {
            assertThat(window.begin(id)).isEqualTo(RecentResponses.Status.NEW);
        }
        for (long id = 20; id >= 1; id -= 2) {
            complete(window, id, id, "r" + id);
        }

        assertThat(window.inFlightCount()).isEqualTo(10);
        for (long id = 1; id <= 20; id++) {
            assertThat(window.begin(id)).isEqualTo(
                id % 2 == 0 ? RecentResponses.Status.ANSWERED : RecentResponses.Status.IN_FLIGHT);
        }
    }

    @Test
    void shouldRunAnAbandonedRequestAgain() {
        final RecentResponses window = new RecentResponses(8, 1024);
        window.begin(3);

        window.abandon(3);

        assertThat(window.inFlightCount()).isZero();
        assertThat(window.begin(3)).isEqualTo(RecentResponses.Status.NEW);
    }

    @Test
    void shouldForgetTheOldestBeyondTheCountBound() {
        final RecentResponses window = new RecentResponses(3, 1024);
        for (long id = 1; id <= 5; id++) {
            window.begin(id);
            complete(window, id, id, "r" + id);
        }

        assertThat(window.size()).isEqualTo(3);
        assertThat(window.begin(1)).isEqualTo(RecentResponses.Status.NEW);
        assertThat(window.begin(2)).isEqualTo(RecentResponses.Status.NEW);
        assertThat(window.begin(3)).isEqualTo(RecentResponses.Status.ANSWERED);
        assertThat(window.begin(5)).isEqualTo(RecentResponses.Status.ANSWERED);
    }

    @Test
    void shouldForgetTheOldestBeyondTheByteBound() {
        final int entry = RecentResponses.ENTRY_OVERHEAD + 10;
        final RecentResponses window = new RecentResponses(100, entry * 3);
        for (long id = 1; id <= 4; id++) {
            window.begin(id);
            complete(window, id, id, "response-" + id);
        }

        assertThat(window.size()).isEqualTo(3);
        assertThat(window.retainedBytes()).isEqualTo(entry * 3);
        assertThat(window.capacity()).isLessThanOrEqualTo(entry * 3);
        assertThat(window.replay(1, recorder)).isFalse();
        assertThat(window.replay(4, recorder)).isTrue();
        assertThat(replayed).containsExactly("4:response-4");
    }

    @Test
    void shouldRememberAResponseTooLargeToKeepWithoutItsBytes() {
        final RecentResponses window = new RecentResponses(8, 64);
        window.begin(9);

        window.complete(9, 0, new byte[200], 0, 200);

        assertThat(window.begin(9)).isEqualTo(RecentResponses.Status.ANSWER_NOT_KEPT);
        assertThat(window.replay(9, recorder)).isFalse();
        assertThat(window.inFlightCount()).isZero();
        assertThat(window.retainedBytes()).isEqualTo(RecentResponses.ENTRY_OVERHEAD);
    }

    @Test
    void shouldExpireByCompletionTimeAndReleaseStorageWhenEmpty() {
        final RecentResponses window = new RecentResponses(8, 1024);
        assertThat(window.capacity()).as("nothing allocated while empty").isZero();
        for (long id = 1; id <= 3; id++) {
            window.begin(id);
            complete(window, id, id * 1000, "r" + id);
        }

        assertThat(window.expireCompletedBefore(2000)).isEqualTo(1);
        assertThat(window.begin(1)).isEqualTo(RecentResponses.Status.NEW);
        assertThat(window.begin(2)).isEqualTo(RecentResponses.Status.ANSWERED);
        assertThat(window.expireCompletedBefore(10_000)).isEqualTo(2);
        assertThat(window.size()).isZero();
        assertThat(window.capacity()).isZero();
    }

    @Test
    void shouldCopyResponsesFromDirectBuffers() {
        final RecentResponses window = new RecentResponses(8, 1024);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(32));
        direct.putStringWithoutLengthAscii(8, "payload");
        window.begin(42);

        window.complete(42, 0, direct, 8, 7);

        window.replay(42, recorder);
        assertThat(replayed).containsExactly("42:payload");
    }

    private static void complete(final RecentResponses window, final long id, final long at, final String body) {
        final byte[] bytes = body.getBytes(US_ASCII);
        window.complete(id, at, bytes, 0, bytes.length);
    }

    @Test
    void shouldCopyEveryRememberedResponseToAnotherWindow() {
        final RecentResponses from = new RecentResponses(8, 64);
        from.begin(1);
        complete(from, 1, 10, "one");
        from.begin(2);
        complete(from, 2, 11, "x".repeat(100)); // too large to keep: answered, not kept
        final RecentResponses to = new RecentResponses(8, 64);

        final int copied = from.forEach((id, buffer, offset, length) -> to.restore(id, 500, buffer, offset, length));

        assertThat(copied).isEqualTo(2);
        assertThat(to.begin(1)).isEqualTo(RecentResponses.Status.ANSWERED);
        assertThat(to.begin(2)).isEqualTo(RecentResponses.Status.ANSWER_NOT_KEPT);
        assertThat(to.replay(1, recorder)).isTrue();
        assertThat(replayed).containsExactly("1:one");
        assertThat(to.expireCompletedBefore(500)).isZero(); // completed on the new window's clock
    }
}
