package io.tether.engine.reactor;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The threads waiting for one connection's backlog to fall: virtual or platform threads park here, the loop
 * unparks them. The queue exists only once somebody has had to wait.
 */
final class WriteWaiters {
    private volatile ConcurrentLinkedQueue<Thread> waiters;

    /** Parks the calling thread until {@code mayGo} holds; the timed park covers a wake-up that raced the add. */
    void await(BooleanSupplier mayGo) {
        ConcurrentLinkedQueue<Thread> queue = waiters;
        if (queue == null) {
            synchronized (this) {
                queue = waiters;
                if (queue == null) {
                    waiters = queue = new ConcurrentLinkedQueue<>();
                }
            }
        }
        final Thread me = Thread.currentThread();
        queue.add(me);
        try {
            while (!mayGo.getAsBoolean()) {
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(50));
            }
        } finally {
            queue.remove(me);
        }
    }

    /** Wakes every waiting thread to check again. */
    void wakeAll() {
        final ConcurrentLinkedQueue<Thread> queue = waiters;
        if (queue != null) {
            for (Thread t : queue) {
                LockSupport.unpark(t);
            }
        }
    }
}
