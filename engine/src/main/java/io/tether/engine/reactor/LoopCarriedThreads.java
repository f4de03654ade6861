package io.tether.engine.reactor;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads that an event loop starts on its own thread: the start is handed to the loop as a command, so the
 * loop's platform thread carries the new thread in its duty cycle. A handler that does not block then costs about an
 * inline call (no other carrier to wake, no hand-off between cores, the response written while the loop is awake);
 * one that blocks (sleep, a socket, a lock, waiting for writability) parks, which unmounts it and leaves the loop
 * free, and every continuation after that runs on the JDK's own scheduler ({@link #runShared}).
 *
 * <p>Only the start runs on the loop, never a wake-up: the loop's thread takes locks a handler's thread takes too
 * (a session's monitor). Were a parked or monitor-blocked handler resumed by the loop, a loop waiting for that lock
 * would wait for itself; resumed elsewhere, the handler gets the lock, releases it, and the loop goes on.
 *
 * <p>The JDK has no public API for a virtual thread's scheduler: this takes the package-private
 * {@code java.lang.ThreadBuilders$VirtualThreadBuilder(Executor)} constructor and the JDK's default scheduler
 * ({@code java.lang.VirtualThread.DEFAULT_SCHEDULER}), which need {@code java.base/java.lang} opened to tether (the
 * CLI jar's manifest does; elsewhere {@code --add-opens java.base/java.lang=ALL-UNNAMED}). Only on JDK 24 or newer:
 * before it (JEP 491) a virtual thread that waits while holding a monitor stays mounted, which here would block the
 * loop. Where either is missing, {@link #available()} is false and {@link #unavailable()} says why; callers then use
 * the JDK's shared scheduler.
 */
public final class LoopCarriedThreads {
    private static final Constructor<?> BUILDER;
    private static final Executor SHARED;
    private static final String UNAVAILABLE;

    static {
        Constructor<?> builder = null;
        Executor shared = null;
        String why = null;
        final int feature = Runtime.version().feature();
        if (feature < 24) {
            why = "JDK " + feature + " keeps a virtual thread that waits holding a monitor on its carrier (JDK 24+ "
                + "does not)";
        } else {
            try {
                final Constructor<?> k = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder")
                    .getDeclaredConstructor(Executor.class);
                k.setAccessible(true);
                final Field f = Class.forName("java.lang.VirtualThread").getDeclaredField("DEFAULT_SCHEDULER");
                f.setAccessible(true);
                shared = (Executor) f.get(null);
                builder = k;
            } catch (java.lang.reflect.InaccessibleObjectException e) {
                why = "java.lang is not open to tether (--add-opens java.base/java.lang=ALL-UNNAMED): " + e;
            } catch (ReflectiveOperationException | RuntimeException e) {
                why = "this JDK has no virtual-thread builder with a scheduler, or no default scheduler: " + e;
            }
        }
        BUILDER = builder;
        SHARED = shared;
        UNAVAILABLE = why;
    }

    private LoopCarriedThreads() {
    }

    /** Whether virtual threads can be carried by a loop in this JVM. */
    public static boolean available() {
        return BUILDER != null;
    }

    /** Why they cannot, or null when they can. */
    public static String unavailable() {
        return UNAVAILABLE;
    }

    /** Runs a loop-carried thread's continuation on the JDK's scheduler, where every other virtual thread runs. */
    static void runShared(Runnable continuation) {
        SHARED.execute(continuation);
    }

    /** A factory of virtual threads named {@code name} and run by {@code scheduler}; only when {@link #available()}. */
    static ThreadFactory factory(Executor scheduler, String name) {
        try {
            return ((Thread.Builder.OfVirtual) BUILDER.newInstance(scheduler)).name(name).factory();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot make loop-carried virtual threads", e);
        }
    }
}
