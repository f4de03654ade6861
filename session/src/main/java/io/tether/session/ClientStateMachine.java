package io.tether.session;

import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The state of one client connection, moved by the client's loop (connect, lose, give up) and by
 * user threads (close) alike, and reported to listeners.
 * <p>
 * A move is one compare-and-set on the current {@link Transition}, so two threads racing from the
 * same state cannot both win: exactly one sees {@code true}, the other gets {@code false} and can look
 * at {@link #state()} again. Illegal moves (see {@link ClientState}) are refused the same way, since a
 * move that was legal when a thread decided on it may not be by the time it runs (a close won).
 * <p>
 * Listeners are called on the thread that made the move, after it took effect, outside any lock.
 * Moves on different threads may reach listeners in another order than they happened; each
 * {@link Transition} carries its {@link Transition#serial() serial} so a listener can tell.
 */
public final class ClientStateMachine {

    /**
     * One move.
     *
     * @param from   the state before
     * @param to     the state after
     * @param cause  why, for people reading logs: "connect refused", "closed by user", ...
     * @param serial 1 for the first move, counting up by one per move
     */
    public record Transition(ClientState from, ClientState to, String cause, long serial) {
    }

    /** Sees every transition. Must not block: it runs on the client's loop for most moves. */
    @FunctionalInterface
    public interface Listener {
        void onTransition(Transition transition);
    }

    private final AtomicReference<Transition> current =
        new AtomicReference<>(new Transition(ClientState.IDLE, ClientState.IDLE, "created", 0));
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();

    /** The current state. */
    public ClientState state() {
        return current.get().to();
    }

    /** The last move made (serial 0 with state IDLE before the first). */
    public Transition lastTransition() {
        return current.get();
    }

    /** Adds a listener for the moves made from now on. */
    public void addListener(final Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(final Listener listener) {
        listeners.remove(listener);
    }

    /**
     * Moves to {@code to} if that is legal from the current state.
     *
     * @return false if the move is illegal now; nothing changed and no listener was called
     */
    public boolean moveTo(final ClientState to, final String cause) {
        Objects.requireNonNull(to, "to");
        while (true) {
            final ClientState from = state();
            if (!from.canMoveTo(to)) {
                return false;
            }
            if (moveFrom(from, to, cause)) {
                return true;
            }
        }
    }

    /**
     * Moves to {@code to} from exactly {@code from}: for the loop's own moves, which are only right
     * if nothing else happened meanwhile (a connect that completes after a close must not reopen).
     *
     * @return false if the state is not {@code from} any more or the move is illegal
     */
    public boolean moveFrom(final ClientState from, final ClientState to, final String cause) {
        Objects.requireNonNull(to, "to");
        final Transition before = current.get();
        if (before.to() != from || !from.canMoveTo(to)) {
            return false;
        }
        final Transition after = new Transition(from, to, cause, before.serial() + 1);
        if (!current.compareAndSet(before, after)) {
            return false;
        }
        for (final Listener listener : listeners) {
            listener.onTransition(after);
        }
        return true;
    }

    /** Closes on purpose from any state but CLOSED. @return false if already closed */
    public boolean close(final String cause) {
        return moveTo(ClientState.CLOSED, cause);
    }
}
