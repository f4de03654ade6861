package io.tether.engine.server;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.tether.codec.Status;
import io.tether.codec.proto.Request;

/**
 * A server span per traced request (trace-sample-ratio above 0): kind SERVER, named by the method, with
 * {@code rpc.system=tether}, {@code rpc.method} and the reply's status. A W3C {@code traceparent} (and
 * {@code tracestate}) in the request's headers makes it the caller's child, sampled as the caller's span is (the
 * tracer's sampler is parent-based); a request without one is a root, traced with probability {@code ratio},
 * decided here before anything is built: a root not chosen gets no span, and costs a header count and a random
 * number (a xorshift step). The handler runs with the span current, so spans the handler starts nest under it.
 */
final class RequestSpans {
    static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("tether.status_code");
    static final String TRACEPARENT = "traceparent";

    private static final TextMapGetter<Request> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Request request) {
            return request.getHeadersMap().keySet();
        }

        @Override
        public String get(Request request, String key) {
            return request == null ? null : request.getHeadersOrDefault(key, null);
        }
    };

    private final Tracer tracer;
    /** A root is chosen when the top 53 bits of the next random number are below this (ratio x 2^53). */
    private final long threshold;
    private final boolean all;
    /**
     * A xorshift state shared by the handlers' threads without synchronization, on purpose: two threads reading
     * the same state make the same choice, which keeps the share right on average. ThreadLocalRandom would cost
     * two shared atomic increments per request under virtual-thread dispatch (each new thread seeds it).
     */
    private long seed = System.nanoTime() | 1;

    /** {@code tracer} must sample every root it is given (parent-based, always on): the ratio is applied here. */
    RequestSpans(Tracer tracer, double ratio) {
        this.tracer = tracer;
        this.all = ratio >= 1;
        this.threshold = (long) (ratio * 0x1.0p53);
    }

    /**
     * Starts the span of a request whose handler is about to run (the handler's thread), or returns null for a
     * root request the ratio does not choose.
     */
    Span start(Request request) {
        final boolean hasParent = request.getHeadersCount() != 0 && request.containsHeaders(TRACEPARENT);
        Context parent = Context.root();
        if (hasParent) {
            parent = W3CTraceContextPropagator.getInstance().extract(parent, request, HEADERS);
        }
        if ((!hasParent || !Span.fromContext(parent).getSpanContext().isValid()) && !chosen()) {
            return null;
        }
        return tracer.spanBuilder(request.getMethod()).setParent(parent).setSpanKind(SpanKind.SERVER)
            .setAttribute(RPC_SYSTEM, "tether").setAttribute(RPC_METHOD, request.getMethod()).startSpan();
    }

    private boolean chosen() {
        if (all) {
            return true;
        }
        long x = seed;
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        seed = x;
        return x >>> 11 < threshold;
    }

    /** Ends it with the reply's status (null: the handler did not return, which invoke turns into INTERNAL). */
    static void end(Span span, Reply reply) {
        final int status = reply == null ? Status.INTERNAL : reply.status();
        span.setAttribute(STATUS_CODE, (long) status);
        if (status != Status.OK) {
            span.setStatus(StatusCode.ERROR, reply == null ? "" : reply.error());
        }
        span.end();
    }
}
