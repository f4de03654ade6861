package io.tether.engine.reactor;

import java.io.IOException;
import java.nio.channels.SelectionKey;

/** What a selection key of an {@link EventLoop} is attached to: a {@link Connection}, or a listening socket. */
public interface Selectable {
    /** The key is ready; runs on the loop. */
    void onSelected(SelectionKey key) throws IOException;

    /** Handling a readiness event failed unexpectedly: close, with the cause. */
    void onFailure(Throwable cause);

    /** The loop is stopping: close at once. */
    void closeNow();
}
