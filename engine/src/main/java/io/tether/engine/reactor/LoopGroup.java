package io.tether.engine.reactor;

import io.tether.telemetry.Counters;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicInteger;

/** A fixed set of event loops; new connections are spread over them round-robin. */
public final class LoopGroup implements AutoCloseable {
    private final EventLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();

    public LoopGroup(String prefix, int count, Counters counters, boolean daemon) {
        loops = new EventLoop[count];
        try {
            for (int i = 0; i < count; i++) {
                loops[i] = new EventLoop(prefix + "-" + i, counters);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector", e);
        }
        for (EventLoop loop : loops) {
            loop.start(daemon);
        }
    }

    public EventLoop next() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    public EventLoop get(int i) {
        return loops[i];
    }

    public int size() {
        return loops.length;
    }

    @Override
    public void close() {
        for (EventLoop loop : loops) {
            loop.shutdown();
        }
        for (EventLoop loop : loops) {
            try {
                loop.awaitTermination(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
