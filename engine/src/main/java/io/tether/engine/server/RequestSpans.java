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
 * A server span per request (trace-sample-ratio above 0): kind SERVER, named by the method, with
 * {@code rpc.system=tether}, {@code rpc.method} and the reply's status. A W3C {@code traceparent} (and
 * {@code tracestate}) in the request's headers makes it the caller's child; the handler runs with it current, so
 * spans the handler starts nest under it.
 */
final class RequestSpans {
    static final AttributeKey<String> RPC_SYSTEM = AttributeKey.stringKey("rpc.system");
    static final AttributeKey<String> RPC_METHOD = AttributeKey.stringKey("rpc.method");
    static final AttributeKey<Long> STATUS_CODE = AttributeKey.longKey("tether.status_code");

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

    RequestSpans(Tracer tracer) {
        this.tracer = tracer;
    }

    /** Starts the span of a request whose handler is about to run (the handler's thread). */
    Span start(Request request) {
        final Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), request, HEADERS);
        return tracer.spanBuilder(request.getMethod()).setParent(parent).setSpanKind(SpanKind.SERVER)
            .setAttribute(RPC_SYSTEM, "tether").setAttribute(RPC_METHOD, request.getMethod()).startSpan();
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
