package io.tether.engine.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.telemetry.Counters;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A loop's agents: run in its duty cycle, the loop's sleep never outlasts an agent's deadline, an agent that removes
 * itself is not called again, one that throws is removed, and none stands in the way of commands.
 */
class EventLoopAgentTest {
    private final LoopGroup loops = new LoopGroup("agent-test", 1, new Counters(), true);

    @AfterEach
    void tearDown() {
        loops.close();
    }

    /** Counts its calls; due at {@code deadline}; removes itself after {@code runs} calls that found work. */
    private static final class CountingAgent implements EventLoop.Agent {
        final EventLoop loop;
        final int runs;
        final long periodNanos;
        final AtomicInteger worked = new AtomicInteger();
        final AtomicLong lateMaxNanos = new AtomicLong();
        final CountDownLatch done = new CountDownLatch(1);
        volatile long deadline = System.nanoTime();

        CountingAgent(EventLoop loop, int runs, long periodNanos) {
            this.loop = loop;
            this.runs = runs;
            this.periodNanos = periodNanos;
        }

        @Override
        public int doWork(long nowNanos) {
            if (nowNanos < deadline) {
                return 0;
            }
            lateMaxNanos.accumulateAndGet(nowNanos - deadline, Math::max);
            if (worked.incrementAndGet() == runs) {
                loop.removeAgent(this);
                done.countDown();
                return 1;
            }
            deadline = nowNanos + periodNanos;
            return 1;
        }

        @Override
        public long nextDeadlineNanos() {
            return deadline;
        }
    }

    @Test
    void shouldWakeForAnAgentsDeadlineWhileOtherwiseIdle() throws Exception {
        final EventLoop loop = loops.get(0);
        // Deadlines 20 ms apart on an otherwise idle loop, which would sleep up to a second in select without them.
        final CountingAgent agent = new CountingAgent(loop, 20, TimeUnit.MILLISECONDS.toNanos(20));
        loop.execute(() -> loop.addAgent(agent));

        assertThat(agent.done.await(10, TimeUnit.SECONDS)).isTrue();
        // select waits whole milliseconds and may wake a little late, never a second late.
        assertThat(agent.lateMaxNanos.get()).isLessThan(TimeUnit.MILLISECONDS.toNanos(250));
    }

    @Test
    void shouldNotCallAnAgentThatRemovedItself() throws Exception {
        final EventLoop loop = loops.get(0);
        final CountingAgent agent = new CountingAgent(loop, 50, 100_000);
        loop.execute(() -> loop.addAgent(agent));
        assertThat(agent.done.await(10, TimeUnit.SECONDS)).isTrue();

        // Several cycles later (each command is one), the agent has not run again.
        for (int i = 0; i < 10; i++) {
            final CountDownLatch ran = new CountDownLatch(1);
            loop.execute(ran::countDown);
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(agent.worked.get()).isEqualTo(50);
    }

    @Test
    void shouldRemoveAnAgentThatThrowsAndKeepServing() throws Exception {
        final EventLoop loop = loops.get(0);
        final AtomicInteger calls = new AtomicInteger();
        final EventLoop.Agent failing = new EventLoop.Agent() {
            @Override
            public int doWork(long nowNanos) {
                calls.incrementAndGet();
                throw new IllegalStateException("agent failure (expected by the test)");
            }

            @Override
            public long nextDeadlineNanos() {
                return 0;
            }
        };
        final CountingAgent healthy = new CountingAgent(loop, 30, 100_000);
        loop.execute(() -> {
            loop.addAgent(failing);
            loop.addAgent(healthy);
        });

        assertThat(healthy.done.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(calls.get()).isEqualTo(1);
    }

    @Test
    void shouldRunCommandsWhileAnAgentIsDueEveryMillisecond() throws Exception {
        final EventLoop loop = loops.get(0);
        final CountingAgent agent = new CountingAgent(loop, Integer.MAX_VALUE, 1_000_000);
        loop.execute(() -> loop.addAgent(agent));
        for (int i = 0; i < 100; i++) {
            final CountDownLatch ran = new CountDownLatch(1);
            loop.execute(ran::countDown);
            assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(agent.worked.get()).isPositive();
        final CountDownLatch removed = new CountDownLatch(1);
        loop.execute(() -> {
            loop.removeAgent(agent);
            removed.countDown();
        });
        assertThat(removed.await(5, TimeUnit.SECONDS)).isTrue();
    }
}
