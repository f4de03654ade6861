package io.tether.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A session's request bucket on a fake clock: admit, refuse, and close after the overrun. */
class RequestRateTest {
    private static final long MS = 1_000_000L;
    private static final AdmissionSettings S = TestSettings.of("session-request-rate", "100",
        "session-request-burst", "10", "session-request-overrun", "5");

    @Test
    void shouldAdmitTheBurstThenRefuseThenCloseAfterTheOverrun() {
        final RequestRate rate = new RequestRate();
        for (int i = 0; i < 10; i++) {
            assertThat(rate.take(0, S)).isEqualTo(RequestRate.ADMIT);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(rate.take(0, S)).isEqualTo(RequestRate.REFUSE);
        }
        assertThat(rate.take(0, S)).isEqualTo(RequestRate.CLOSE);
    }

    @Test
    void shouldStartTheOverrunAgainAfterAnAdmittedRequest() {
        final RequestRate rate = new RequestRate();
        for (int i = 0; i < 10; i++) {
            rate.take(0, S);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(rate.take(0, S)).isEqualTo(RequestRate.REFUSE);
        }
        assertThat(rate.take(10 * MS, S)).isEqualTo(RequestRate.ADMIT); // a token came back after 10 ms
        for (int i = 0; i < 4; i++) {
            assertThat(rate.take(10 * MS, S)).isEqualTo(RequestRate.REFUSE);
        }
    }

    @Test
    void shouldSustainTheRate() {
        final RequestRate rate = new RequestRate();
        int admitted = 0;
        for (long t = 0; t < 10_000 * MS; t += MS) { // one request a millisecond for 10 s, against 100/s
            if (rate.take(t, S) == RequestRate.ADMIT) {
                admitted++;
            }
        }
        assertThat(admitted).isBetween(10 + 1000 - 1, 10 + 1000 + 1);
    }

    @Test
    void shouldNeverCloseInDryRunOrWhenOff() {
        final RequestRate rate = new RequestRate();
        final AdmissionSettings dry = TestSettings.of("session-request-rate", "1", "session-request-burst", "1",
            "session-request-overrun", "1", "dry-run", Boolean.TRUE);
        rate.take(0, dry);
        assertThat(rate.take(0, dry)).isEqualTo(RequestRate.REFUSE);
        assertThat(new RequestRate().take(0, TestSettings.of("session-request-rate", "0")))
            .isEqualTo(RequestRate.ADMIT);
    }
}
