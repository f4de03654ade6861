package io.tether.engine.reactor;

import java.util.function.Consumer;

/**
 * Deadlines of one kind for one loop's connections (handshake, linger after a Goodbye, slow consumer), in a
 * FIFO: every deadline of a kind is "now + the same timeout", so they arrive in order and expiring is a look at
 * the head. This keeps per-connection deadlines off the timer wheel, whose per-tick arrays grow for good when
 * thousands of connections arrive in one tick (a reconnect storm), and costs 12 bytes per pending deadline.
 * A live change of a timeout can put a later deadline ahead of an earlier one; the earlier one then fires late by
 * at most that change. Loop thread only.
 */
final class ExpiryQueue {
    private final Consumer<Connection> onExpired;
    private Connection[] connections = new Connection[16];
    private long[] deadlines = new long[16];
    private int head;
    private int size;

    ExpiryQueue(Consumer<Connection> onExpired) {
        this.onExpired = onExpired;
    }

    void add(Connection c, long deadlineMs) {
        if (size == connections.length) {
            grow();
        }
        final int i = (head + size) & (connections.length - 1);
        connections[i] = c;
        deadlines[i] = deadlineMs;
        size++;
    }

    /** Hands every connection whose deadline has passed to the callback (which checks it still applies). */
    int expire(long nowMs) {
        int n = 0;
        while (size > 0 && deadlines[head] <= nowMs) {
            final Connection c = connections[head];
            connections[head] = null;
            head = (head + 1) & (connections.length - 1);
            size--;
            n++;
            if (!c.isClosed()) {
                onExpired.accept(c);
            }
        }
        if (size == 0 && connections.length > 1024) {
            connections = new Connection[16]; // give back what a burst took
            deadlines = new long[16];
            head = 0;
        }
        return n;
    }

    int size() {
        return size;
    }

    private void grow() {
        final int capacity = connections.length * 2;
        final Connection[] c = new Connection[capacity];
        final long[] d = new long[capacity];
        for (int i = 0; i < size; i++) {
            final int from = (head + i) & (connections.length - 1);
            c[i] = connections[from];
            d[i] = deadlines[from];
        }
        connections = c;
        deadlines = d;
        head = 0;
    }
}
