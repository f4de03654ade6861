package io.tether.engine.client;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.Map;

/** The W3C trace context of the calling thread's current span, put into a request's headers. */
final class TraceHeaders {
    private TraceHeaders() {
    }

    /** {@code headers} with {@code traceparent} (and {@code tracestate}) added when a valid span is current. */
    static Map<String, String> withCurrentTrace(Map<String, String> headers) {
        final Context context = Context.current();
        if (!Span.fromContext(context).getSpanContext().isValid() || headers.containsKey("traceparent")) {
            return headers;
        }
        final Map<String, String> out = new HashMap<>(headers);
        W3CTraceContextPropagator.getInstance().inject(context, out, (carrier, key, value) -> carrier.put(key, value));
        return out;
    }
}
