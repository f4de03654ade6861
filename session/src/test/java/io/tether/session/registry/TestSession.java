package io.tether.session.registry;

/**
 * What the tests register: a session that knows its own id, so that a lookup returning another
 * key's session is visible.
 */
record TestSession(long high, long low, int owner) {
    TestSession(final SessionId id) {
        this(id.high(), id.low(), 0);
    }

    boolean hasId(final long high, final long low) {
        return this.high == high && this.low == low;
    }
}
