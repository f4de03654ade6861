package io.tether.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.admission.HandshakeBreaker.Pass;
import io.tether.engine.admission.HandshakeBreaker.State;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The handshake breaker on a fake clock: when it opens, how long, half-open probes, and probes that never end. */
class HandshakeBreakerTest {
    private static final long MS = 1_000_000L;
    private static final long START = -7_000_000_000L;
    private static final AdmissionSettings S = TestSettings.of("breaker-failure-ratio", "0.5", "breaker-window", "10s",
        "breaker-min-handshakes", "20", "breaker-open-time", "5s", "breaker-probes", "3", "breaker-probe-timeout", "2s");

    private final AtomicInteger opens = new AtomicInteger();
    private final HandshakeBreaker breaker = new HandshakeBreaker(START, opens::incrementAndGet);

    private void handshakes(long at, int ok, int failed) {
        for (int i = 0; i < ok; i++) {
            breaker.outcome(breaker.tryPass(at, S), true, at, S);
        }
        for (int i = 0; i < failed; i++) {
            breaker.outcome(breaker.tryPass(at, S), false, at, S);
        }
    }

    @Test
    void shouldStayClosedBelowTheRatioOrBelowTheMinimumCount() {
        handshakes(START, 11, 9); // 45% failed of 20
        assertThat(breaker.state(START, S)).isEqualTo(State.CLOSED);
        final HandshakeBreaker few = new HandshakeBreaker(START, () -> { });
        for (int i = 0; i < 19; i++) {
            few.outcome(few.tryPass(START, S), false, START, S); // all failed, but fewer than the minimum
        }
        assertThat(few.state(START, S)).isEqualTo(State.CLOSED);
        assertThat(opens).hasValue(0);
    }

    @Test
    void shouldOpenAtTheRatioAndRefuseForTheOpenTime() {
        handshakes(START, 10, 10);
        assertThat(breaker.state(START, S)).isEqualTo(State.OPEN);
        assertThat(opens).hasValue(1);
        assertThat(breaker.tryPass(START + 4_999 * MS, S)).isNull();
        final Pass probe = breaker.tryPass(START + 5_000 * MS, S);
        assertThat(probe).isNotNull();
        assertThat(probe.probe()).isTrue();
    }

    @Test
    void shouldForgetFailuresThatLeftTheWindow() {
        handshakes(START, 0, 9);
        handshakes(START + 11_000 * MS, 11, 1); // the nine failures are more than a window old
        assertThat(breaker.state(START + 11_000 * MS, S)).isEqualTo(State.CLOSED);
    }

    @Test
    void shouldLetOnlyTheProbesThroughWhenHalfOpenAndCloseWhenAllComplete() {
        handshakes(START, 0, 20);
        final long half = START + 5_000 * MS;
        final List<Pass> probes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            probes.add(breaker.tryPass(half, S));
        }
        assertThat(probes).doesNotContainNull();
        assertThat(breaker.tryPass(half, S)).as("a fourth while three are out").isNull();
        breaker.outcome(probes.get(0), true, half + 100 * MS, S);
        breaker.outcome(probes.get(1), true, half + 200 * MS, S);
        assertThat(breaker.state(half + 200 * MS, S)).isEqualTo(State.HALF_OPEN);
        breaker.outcome(probes.get(2), true, half + 300 * MS, S);
        assertThat(breaker.state(half + 300 * MS, S)).isEqualTo(State.CLOSED);
        assertThat(breaker.tryPass(half + 300 * MS, S)).isSameAs(HandshakeBreaker.NORMAL);
    }

    @Test
    void shouldReopenWhenAProbeFails() {
        handshakes(START, 0, 20);
        final long half = START + 5_000 * MS;
        final Pass probe = breaker.tryPass(half, S);
        breaker.outcome(probe, false, half + 10 * MS, S);
        assertThat(breaker.state(half + 10 * MS, S)).isEqualTo(State.OPEN);
        assertThat(opens).hasValue(2);
        assertThat(breaker.tryPass(half + 4_000 * MS, S)).isNull();
        assertThat(breaker.tryPass(half + 5_010 * MS, S)).isNotNull();
    }

    @Test
    void shouldNotWaitForGoodOnProbesThatNeverFinish() {
        handshakes(START, 0, 20);
        final long half = START + 5_000 * MS;
        for (int i = 0; i < 3; i++) {
            assertThat(breaker.tryPass(half, S)).isNotNull(); // three probes that stall and never report
        }
        assertThat(breaker.tryPass(half + 1_999 * MS, S)).isNull();
        // Past the probe timeout the stalled probes count as failed: open again, then half-open once more.
        assertThat(breaker.state(half + 2_001 * MS, S)).isEqualTo(State.OPEN);
        assertThat(breaker.tryPass(half + 2_001 * MS + 5_000 * MS, S)).isNotNull();
        assertThat(opens).hasValue(2);
    }

    @Test
    void shouldIgnoreAProbeOfAnEarlierHalfOpenPeriodAndALateSuccess() {
        handshakes(START, 0, 20);
        final long half = START + 5_000 * MS;
        final Pass old = breaker.tryPass(half, S);
        breaker.outcome(breaker.tryPass(half, S), false, half, S); // reopens
        final long again = half + 5_000 * MS;
        final Pass fresh = breaker.tryPass(again, S);
        breaker.outcome(old, true, again, S); // from the earlier period: says nothing now
        assertThat(breaker.state(again, S)).isEqualTo(State.HALF_OPEN);
        breaker.outcome(fresh, true, again + 2_500 * MS, S); // completed, but after its timeout
        assertThat(breaker.state(again + 2_500 * MS, S)).isEqualTo(State.OPEN);
    }

    @Test
    void shouldPassEverythingWhenOff() {
        final AdmissionSettings off = TestSettings.of("breaker-failure-ratio", "0");
        for (int i = 0; i < 1000; i++) {
            breaker.outcome(breaker.tryPass(START, off), false, START, off);
        }
        assertThat(breaker.tryPass(START, off)).isSameAs(HandshakeBreaker.NORMAL);
    }

    @Test
    void shouldIgnoreOutcomesOfConnectionsFromBeforeItOpened() {
        final Pass before = breaker.tryPass(START, S);
        handshakes(START, 0, 20);
        breaker.outcome(before, true, START + 10 * MS, S);
        assertThat(breaker.state(START + 10 * MS, S)).isEqualTo(State.OPEN);
    }
}
