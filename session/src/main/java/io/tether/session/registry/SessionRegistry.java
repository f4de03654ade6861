package io.tether.session.registry;

import static io.tether.session.registry.SessionIndexDescriptor.CONTROL_LENGTH;
import static io.tether.session.registry.SessionIndexDescriptor.MAX_INDEX_CAPACITY;
import static io.tether.session.registry.SessionIndexDescriptor.MAX_SLOT_CAPACITY;
import static io.tether.session.registry.SessionIndexDescriptor.SEQUENCE_OFFSET;
import static io.tether.session.registry.SessionIndexDescriptor.SIZE_OFFSET;
import static io.tether.session.registry.SessionTables.ABSENT;
import static io.tether.session.registry.SessionTables.STALE;

import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import org.agrona.BitUtil;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Every live session by its 128-bit id: an open-addressing index in direct memory (linear
 * probing, backward-shift deletion, power-of-two growth; see {@link SessionIndexDescriptor})
 * pointing into a slot array of session objects.
 * <p>
 * Any number of threads may read and write. Lookups take no lock and allocate nothing: they
 * probe optimistically and check a sequence counter afterwards, retrying only when a removal
 * moved buckets under them. Writers (registration from any event loop, removal on close or
 * expiry) serialize on a lock, which is never held across I/O.
 *
 * <pre>{@code
 * SessionRegistry<Session> registry = new SessionRegistry<>(100_000);
 * SessionId id = SessionId.generate();
 * registry.putIfAbsent(id, session);          // on Hello
 * Session s = registry.get(idTextFromClient); // on resume or push; null when unknown or malformed
 * registry.remove(id, session);               // on expiry, only if still this session
 * }</pre>
 *
 * @param <S> the session type.
 */
public final class SessionRegistry<S> implements AutoCloseable {
    private static final int MIN_CAPACITY = 16;
    private static final SessionTables<?> CLOSED = SessionTables.allocate(MIN_CAPACITY, 0);

    private final SessionKeyHash keyHash;
    private final UnsafeBuffer control =
        new UnsafeBuffer(BufferUtil.allocateDirectAligned(CONTROL_LENGTH, BitUtil.CACHE_LINE_LENGTH));
    private final ReentrantLock writeLock = new ReentrantLock();
    private volatile SessionTables<S> tables;

    // Guarded by writeLock.
    private int size;
    private int freeSlot = -1;
    private int slotHighWater;
    private boolean closed;

    /**
     * A registry sized for a thousand sessions; it grows as needed.
     */
    public SessionRegistry() {
        this(1024);
    }

    /**
     * @param expectedSessions how many sessions to make room for up front; it grows past that.
     */
    public SessionRegistry(final int expectedSessions) {
        this(expectedSessions, SessionKeyHash.xxh3(new SecureRandom().nextLong()));
    }

    SessionRegistry(final int expectedSessions, final SessionKeyHash keyHash) {
        if (expectedSessions < 0 || expectedSessions > maxSize(MAX_INDEX_CAPACITY)) {
            throw new IllegalArgumentException("expectedSessions out of range: " + expectedSessions);
        }
        this.keyHash = keyHash;
        int indexCapacity = MIN_CAPACITY;
        while (maxSize(indexCapacity) < expectedSessions) {
            indexCapacity <<= 1;
        }
        this.tables = SessionTables.allocate(indexCapacity, Math.max(MIN_CAPACITY, expectedSessions));
    }

    /**
     * Registers a session unless its id is taken.
     *
     * @param high    first 64 bits of the id.
     * @param low     last 64 bits of the id.
     * @param session the session.
     * @return null when registered, else the session already holding the id (left in place).
     * @throws IllegalStateException when closed or when the registry cannot grow further.
     */
    public S putIfAbsent(final long high, final long low, final S session) {
        Objects.requireNonNull(session, "session");
        final long hash = keyHash.hash(high, low);
        writeLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("session registry is closed");
            }
            SessionTables<S> tables = this.tables;
            final long found = tables.find((int)hash, high, low);
            if (found != ABSENT) {
                return tables.session((int)found);
            }
            tables = ensureRoomForOneMore(tables);
            tables.insert(hash, allocateSlot(tables), high, low, session);
            control.putLongRelease(SIZE_OFFSET, ++size);
            return null;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * @see #putIfAbsent(long, long, Object)
     */
    public S putIfAbsent(final SessionId id, final S session) {
        return putIfAbsent(id.high(), id.low(), session);
    }

    /**
     * Lock-free and allocation-free.
     *
     * @param high first 64 bits of the id.
     * @param low  last 64 bits of the id.
     * @return the session registered under the id, or null.
     */
    public S get(final long high, final long low) {
        final int hash = (int)keyHash.hash(high, low);
        while (true) {
            final long sequence = control.getLongAcquire(SEQUENCE_OFFSET);
            if ((sequence & 1) == 0) {
                final SessionTables<S> tables = this.tables;
                final long found = tables.find(hash, high, low);
                final S session = found >= 0 ? tables.session((int)found) : null;
                VarHandle.loadLoadFence();
                final boolean unchanged = control.getLongVolatile(SEQUENCE_OFFSET) == sequence;
                // The probe read raw addresses: keep their buffers from being freed until here.
                Reference.reachabilityFence(tables);
                if (unchanged && found != STALE) {
                    return session;
                }
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Lock-free and allocation-free: the text is decoded in place.
     *
     * @param id the 22-character text form of the id, as a client sends it.
     * @return the session, or null when none is registered or the text is not a session id.
     */
    public S get(final CharSequence id) {
        // Checked and decoded here rather than through SessionId.decode's callback, so that the
        // halves stay in registers and get(long, long) inlines as it does for callers with longs.
        if (!SessionId.isWellFormed(id)) {
            return null;
        }
        return get(SessionId.high(id), SessionId.low(id));
    }

    /**
     * @see #get(long, long)
     */
    public S get(final SessionId id) {
        return get(id.high(), id.low());
    }

    /**
     * @param high first 64 bits of the id.
     * @param low  last 64 bits of the id.
     * @return the session that was registered under the id, or null.
     */
    public S remove(final long high, final long low) {
        return removeMatching(high, low, null);
    }

    /**
     * @see #remove(long, long)
     */
    public S remove(final SessionId id) {
        return removeMatching(id.high(), id.low(), null);
    }

    /**
     * Removes the id only while it still maps to this very session, so that a stale close cannot
     * unregister a session that took over the id.
     *
     * @param high     first 64 bits of the id.
     * @param low      last 64 bits of the id.
     * @param expected the session to remove, compared by identity.
     * @return whether it was removed.
     */
    public boolean remove(final long high, final long low, final S expected) {
        return removeMatching(high, low, Objects.requireNonNull(expected, "expected")) != null;
    }

    /**
     * @see #remove(long, long, Object)
     */
    public boolean remove(final SessionId id, final S expected) {
        return remove(id.high(), id.low(), expected);
    }

    /**
     * @return sessions registered; exact, counted under the write lock.
     */
    public int size() {
        return (int)control.getLongVolatile(SIZE_OFFSET);
    }

    /**
     * Visits every registered session without locking. Sessions never move while registered, so
     * one registered for the whole call is visited exactly once; one added or removed meanwhile
     * may or may not be.
     *
     * @param action called per session, on the calling thread.
     */
    public void forEach(final Consumer<? super S> action) {
        final SessionTables<S> tables = this.tables;
        for (int slot = 0; slot < tables.slotCapacity; slot++) {
            final S session = tables.sessionAcquire(slot);
            if (session != null) {
                action.accept(session);
            }
        }
    }

    /**
     * @return bytes of direct memory the index and key records take now.
     */
    public long offHeapBytes() {
        return tables.offHeapBytes() + control.capacity();
    }

    /**
     * Forgets every session and refuses new ones. Lookups racing the close may still answer from
     * the old tables; their memory is released by the garbage collector once nothing reads it.
     */
    @Override
    @SuppressWarnings("unchecked")
    public void close() {
        writeLock.lock();
        try {
            if (!closed) {
                closed = true;
                tables = (SessionTables<S>)CLOSED;
                freeSlot = -1;
                slotHighWater = 0;
                size = 0;
                control.putLongRelease(SIZE_OFFSET, 0);
                bumpSequence();
            }
        } finally {
            writeLock.unlock();
        }
    }

    int indexCapacity() {
        return tables.indexCapacity();
    }

    int slotCapacity() {
        return tables.slotCapacity;
    }

    /**
     * @return where the id sits in the index, or -1; lets tests check probing and shifting.
     */
    int bucketPosition(final long high, final long low) {
        writeLock.lock();
        try {
            final long found = tables.find((int)keyHash.hash(high, low), high, low);
            return found == ABSENT ? -1 : (int)(found >>> 32);
        } finally {
            writeLock.unlock();
        }
    }

    // A null expected session matches any.
    private S removeMatching(final long high, final long low, final S expected) {
        final long hash = keyHash.hash(high, low);
        writeLock.lock();
        try {
            final SessionTables<S> tables = this.tables;
            final long found = tables.find((int)hash, high, low);
            if (found == ABSENT) {
                return null;
            }
            final int slot = (int)found;
            final S current = tables.session(slot);
            if (expected != null && current != expected) {
                return null;
            }
            // Odd sequence: readers that overlap the shift below retry instead of missing an id.
            final long sequence = control.getLong(SEQUENCE_OFFSET);
            control.putLongOpaque(SEQUENCE_OFFSET, sequence + 1);
            VarHandle.storeStoreFence();
            tables.delete((int)(found >>> 32));
            tables.clearSession(slot);
            tables.linkFreeSlot(slot, freeSlot);
            freeSlot = slot;
            control.putLongRelease(SEQUENCE_OFFSET, sequence + 2);
            control.putLongRelease(SIZE_OFFSET, --size);
            return current;
        } finally {
            writeLock.unlock();
        }
    }

    private SessionTables<S> ensureRoomForOneMore(final SessionTables<S> current) {
        SessionTables<S> tables = current;
        if (size + 1 > maxSize(tables.indexCapacity())) {
            if (tables.indexCapacity() == MAX_INDEX_CAPACITY) {
                throw new IllegalStateException("session registry is full: " + size);
            }
            tables = tables.withIndexCapacity(tables.indexCapacity() << 1);
        }
        if (freeSlot < 0 && slotHighWater == tables.slotCapacity) {
            final int capacity = tables.slotCapacity;
            tables = tables.withSlotCapacity((int)Math.min(MAX_SLOT_CAPACITY, capacity + (capacity >> 1)));
        }
        if (tables != current) {
            this.tables = tables;
            // Readers still probing the old tables retry on the new ones.
            bumpSequence();
        }
        return tables;
    }

    private int allocateSlot(final SessionTables<S> tables) {
        if (freeSlot >= 0) {
            final int slot = freeSlot;
            freeSlot = tables.nextFreeSlot(slot);
            return slot;
        }
        return slotHighWater++;
    }

    private void bumpSequence() {
        control.putLongRelease(SEQUENCE_OFFSET, control.getLong(SEQUENCE_OFFSET) + 2);
    }

    // Keeps the index at most three quarters full, where linear probing stays short.
    private static int maxSize(final int indexCapacity) {
        return indexCapacity - (indexCapacity >> 2);
    }
}
