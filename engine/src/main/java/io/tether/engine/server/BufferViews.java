package io.tether.engine.server;

import org.agrona.concurrent.UnsafeBuffer;

/** One reused Agrona view over a byte array that may be replaced (a ring that grew or emptied). */
final class BufferViews {
    private BufferViews() {
    }

    /** {@code view} over {@code array}: made on first use, re-wrapped only when the array changed. */
    static UnsafeBuffer over(UnsafeBuffer view, byte[] array) {
        if (view == null) {
            return new UnsafeBuffer(array);
        }
        if (view.byteArray() != array) {
            view.wrap(array);
        }
        return view;
    }
}
