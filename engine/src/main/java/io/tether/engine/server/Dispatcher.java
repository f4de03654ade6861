package io.tether.engine.server;

import io.tether.telemetry.log.LogEvent;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.tether.codec.Status;
import io.tether.codec.proto.Request;
import io.tether.engine.config.TetherConfig;
import io.tether.engine.config.VirtualCarrier;
import io.tether.engine.reactor.EventLoop;
import io.tether.engine.reactor.LoopCarriedThreads;
import io.tether.telemetry.CounterSet;
import io.tether.telemetry.Latency;
import io.tether.telemetry.Metric;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs requests: finds the handler registered for a method, runs it (inline on a loop or on a session's
 * {@link SessionWorker}), turns every outcome into a {@link Reply}, and counts the requests in flight so a graceful
 * shutdown can wait for the last one.
 */
final class Dispatcher {
    private static final LogEvent GRACE_EXCEEDED = LogEvent.warn(Dispatcher.class, "shutdown.grace.exceeded");
    private static final LogEvent HANDLER_FAILED = LogEvent.warn(Dispatcher.class, "handler.failed");
    private static final LogEvent CARRIER_SHARED = LogEvent.warn(Dispatcher.class, "dispatch.carrier.shared");

    /** A handler and where it runs. */
    record Registration(RequestHandler handler, boolean inline) {
    }

    private final Map<String, Registration> handlers;
    private final Supplier<TetherConfig> config;
    /** Counters bumped from any thread (handlers, pushers). */
    private final CounterSet shared;
    /** Called with every reply before it is encoded; null but in tests, which make encoding fail with it. */
    private final Consumer<Reply> encodingHook;
    private final ThreadFactory virtualThreads = Thread.ofVirtual().name("tether-handler").factory();
    /** Whether a worker started on a loop runs on a virtual thread that loop carries. */
    private final boolean loopCarried;
    private final AtomicLong inflight = new AtomicLong();
    private final ReentrantLock idleLock = new ReentrantLock();
    private final Condition idle = idleLock.newCondition();
    private volatile boolean accepting = true;
    private volatile RequestSpans spans;

    Dispatcher(Map<String, Registration> handlers, Supplier<TetherConfig> config, CounterSet shared,
               Consumer<Reply> encodingHook) {
        this.handlers = Map.copyOf(handlers);
        this.config = config;
        this.shared = shared;
        this.encodingHook = encodingHook;
        final boolean wanted = config.get().virtualCarrier() == VirtualCarrier.LOOP;
        this.loopCarried = wanted && LoopCarriedThreads.available();
        if (wanted && !loopCarried) {
            CARRIER_SHARED.log("reason", LoopCarriedThreads.unavailable());
        }
    }

    /** The handler of {@code method}, or null when none is registered. */
    Registration registration(String method) {
        return handlers.get(method);
    }

    /** Where request spans start from now on (null: tracing off). */
    void traceWith(RequestSpans spans) {
        this.spans = spans;
    }

    boolean accepting() {
        return accepting;
    }

    int maxSessionInflight() {
        return config.get().maxSessionInflight();
    }

    CounterSet sharedCounters() {
        return shared;
    }

    /**
     * Starts a session's worker on a virtual thread: on a loop, one that loop carries until it first parks (so it runs
     * among the loop's commands, right after the reads, and its response is written while the loop is awake);
     * elsewhere or with the shared carrier, one on the JDK's scheduler.
     */
    void start(Runnable worker) {
        final EventLoop loop = loopCarried ? EventLoop.current() : null;
        if (loop == null || !loop.startCarried(worker)) {
            virtualThreads.newThread(worker).start();
        }
    }

    /** Requests started and not yet answered. */
    long inflight() {
        return inflight.get();
    }

    void requestStarted() {
        inflight.incrementAndGet();
    }

    void requestDone() {
        if (inflight.decrementAndGet() == 0 && !accepting) {
            idleLock.lock();
            try {
                idle.signalAll();
            } finally {
                idleLock.unlock();
            }
        }
    }

    /** Stops taking requests (they are answered UNAVAILABLE) and waits up to {@code grace} for those running. */
    void drain(Duration grace) {
        accepting = false;
        final long deadline = System.nanoTime() + grace.toNanos();
        idleLock.lock();
        try {
            while (inflight.get() > 0) {
                final long left = deadline - System.nanoTime();
                if (left <= 0) {
                    GRACE_EXCEEDED.log("running", inflight.get(), "grace_ms", grace.toMillis());
                    break;
                }
                idle.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            idleLock.unlock();
        }
    }

    /** The test seam: lets a test make the encoding of chosen replies fail. */
    void beforeEncoding(Reply reply) {
        if (encodingHook != null) {
            encodingHook.accept(reply);
        }
    }

    /**
     * Runs a handler and turns every outcome into a Reply; used on loops and virtual threads alike. The handling
     * time goes to {@code latencies} (the set of the loop the request came in on, or the shared one).
     */
    Reply invoke(RequestHandler handler, Call call, Request request, CounterSet latencies) {
        final long started = latencies.recordsLatencies() ? System.nanoTime() : 0;
        final RequestSpans s = spans;
        final Span span = s == null ? null : s.start(request);
        Reply reply = null;
        try (Scope ignored = span == null ? null : span.makeCurrent()) {
            reply = call(handler, call, request);
            return reply;
        } finally {
            if (started != 0) {
                latencies.record(Latency.REQUEST, System.nanoTime() - started);
            }
            if (span != null) {
                RequestSpans.end(span, reply);
            }
        }
    }

    private Reply call(RequestHandler handler, Call call, Request request) {
        try {
            final Reply reply = handler.handle(call);
            return reply == null ? Reply.ok() : reply;
        } catch (TetherException e) {
            return Reply.error(e.status() == Status.OK ? Status.INTERNAL : e.status(), String.valueOf(e.getMessage()));
        } catch (Throwable t) {
            shared.addShared(Metric.HANDLER_ERRORS, 1);
            HANDLER_FAILED.fail(t, "method", request.getMethod(), "session", call.sessionId());
            return Reply.error(Status.INTERNAL, "internal error: " + t.getClass().getSimpleName());
        }
    }
}
