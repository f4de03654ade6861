package io.tether.engine.reactor;

/** The platform thread of an {@link EventLoop}; its type tells code that it must never block. */
public final class EventLoopThread extends Thread {
    private final EventLoop loop;

    EventLoopThread(EventLoop loop, String name) {
        super(loop, name);
        this.loop = loop;
    }

    EventLoop loop() {
        return loop;
    }

    public static boolean isCurrent() {
        return Thread.currentThread() instanceof EventLoopThread;
    }
}
