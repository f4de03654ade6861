package io.tether.session.registry;

import net.openhft.hashing.LongHashFunction;

/**
 * Hash of a 128-bit session id for the index. Only the low 32 bits are used. Tests inject their
 * own to force collisions; the registry uses {@link #xxh3(long)}.
 */
@FunctionalInterface
interface SessionKeyHash {
    /**
     * @param high first 64 bits of the id.
     * @param low  last 64 bits of the id.
     * @return the hash.
     */
    long hash(long high, long low);

    /**
     * XXH3 of the id, seeded so that bucket positions differ between processes.
     * <p>
     * The library hashes 16 bytes only through an object and an accessor, and building that
     * object per lookup would allocate; so the halves are first folded into one long. Multiplying
     * by an odd constant is a bijection, so two ids sharing a half still fold apart, and the
     * avalanche of XXH3 spreads the result over all bits. Equal folds only cost a probe: the
     * index compares all 16 key bytes.
     *
     * @param seed the seed.
     * @return the hash function.
     */
    static SessionKeyHash xxh3(final long seed) {
        final LongHashFunction xxh3 = LongHashFunction.xx3(seed);
        return (high, low) -> xxh3.hashLong(high ^ low * 0x9E37_79B9_7F4A_7C15L);
    }
}
