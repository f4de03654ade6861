package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.telemetry.Counters;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A loop's paced task: run at its deadlines (never before), stopped by its own answer, and no obstacle to commands. */
class EventLoopPacedTest {
    private final LoopGroup loops = new LoopGroup("paced-test", 1, new Counters(), true);

    @AfterEach
    void tearDown() {
        loops.close();
    }

    @Test
    void runsAtItsDeadlinesNeverEarlyAndStopsWhenItSaysSo() throws Exception {
        final EventLoop loop = loops.get(0);
        final int runs = 200;
        final AtomicInteger ran = new AtomicInteger();
        final AtomicInteger early = new AtomicInteger();
        final AtomicLong deadline = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);
        loop.execute(() -> loop.pace(now -> {
            if (now < deadline.get()) {
                early.incrementAndGet();
            }
            if (ran.incrementAndGet() == runs) {
                done.countDown();
                return Long.MAX_VALUE;
            }
            // Short waits (parked for) and, now and then, one long enough for the selector.
            deadline.set(now + (ran.get() % 50 == 0 ? 3_000_000 : 100_000));
            return deadline.get();
        }));

        assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(early.get()).isZero();
        // Stopped: commands still run, and the task is not called again.
        final CountDownLatch after = new CountDownLatch(1);
        loop.execute(after::countDown);
        assertThat(after.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ran.get()).isEqualTo(runs);
    }

    @Test
    void commandsRunWhileTheLoopWaitsForAPacedDeadline() throws Exception {
        final EventLoop loop = loops.get(0);
        final CountDownLatch paced = new CountDownLatch(1);
        // A deadline 1 ms ahead, over and over: the loop spends its time parked, not in select.
        loop.execute(() -> loop.pace(now -> {
            paced.countDown();
            return now + 1_000_000;
        }));
        assertThat(paced.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 100; i++) {
            final CountDownLatch ran = new CountDownLatch(1);
            loop.execute(ran::countDown);
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        loop.execute(() -> {
            loop.pace(null);
            stopped.countDown();
        });
        assertThat(stopped.await(5, TimeUnit.SECONDS)).isTrue();
    }
}
