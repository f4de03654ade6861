package io.tether.session.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class SessionRegistryTest {
    // Home bucket = low & mask, so a test chooses where each id lands; high tells ids apart.
    private static final SessionKeyHash LOW_AS_HASH = (high, low) -> low;

    private final SessionRegistry<TestSession> registry = new SessionRegistry<>(12, LOW_AS_HASH);

    @Test
    void shouldFindRegisteredSessionByLongsIdAndText() {
        final SessionId id = SessionId.generate();
        final TestSession session = new TestSession(id);

        assertThat(registry.putIfAbsent(id, session)).isNull();

        assertThat(registry.get(id.high(), id.low())).isSameAs(session);
        assertThat(registry.get(id)).isSameAs(session);
        assertThat(registry.get(id.toString())).isSameAs(session);
        assertThat(registry.get(new StringBuilder(id.toString()))).isSameAs(session);
        assertThat(registry.size()).isEqualTo(1);
    }

    @Test
    void shouldNotFindUnknownOrMalformedIds() {
        final SessionId id = SessionId.generate();
        registry.putIfAbsent(id, new TestSession(id));
        final String text = id.toString();

        assertThat(registry.get(id.high(), id.low() + 1)).isNull();
        assertThat(registry.get(SessionId.generate())).isNull();
        assertThat(registry.get((CharSequence)null)).isNull();
        assertThat(registry.get(text.substring(1))).isNull();
        assertThat(registry.get(text.substring(0, 21) + "*")).isNull();
        assertThat(registry.get("")).isNull();
        for (int position = 0; position < SessionId.TEXT_LENGTH; position++) {
            final String malformed = text.substring(0, position) + '=' + text.substring(position + 1);
            assertThat(registry.get(malformed)).as("%s", malformed).isNull();
        }
    }

    @Test
    void shouldKeepTheFirstSessionOnDuplicateId() {
        final SessionId id = SessionId.generate();
        final TestSession first = new TestSession(id);
        final TestSession second = new TestSession(id.high(), id.low(), 2);

        registry.putIfAbsent(id, first);

        assertThat(registry.putIfAbsent(id, second)).isSameAs(first);
        assertThat(registry.get(id)).isSameAs(first);
        assertThat(registry.size()).isEqualTo(1);
    }

    @Test
    void shouldRemoveOnlyTheExpectedSession() {
        final SessionId id = SessionId.generate();
        final TestSession registered = new TestSession(id);
        final TestSession stale = new TestSession(id.high(), id.low(), 9);
        registry.putIfAbsent(id, registered);

        assertThat(registry.remove(id, stale)).isFalse();
        assertThat(registry.get(id)).isSameAs(registered);

        assertThat(registry.remove(id, registered)).isTrue();
        assertThat(registry.get(id)).isNull();
        assertThat(registry.remove(id)).isNull();
        assertThat(registry.size()).isZero();
    }

    @Test
    void shouldReturnTheRemovedSession() {
        final SessionId id = SessionId.generate();
        final TestSession session = new TestSession(id);
        registry.putIfAbsent(id, session);

        assertThat(registry.remove(id)).isSameAs(session);
        assertThat(registry.get(id.toString())).isNull();
    }

    @Test
    void shouldKeepCollidingIdsApart() {
        final List<TestSession> sessions = putAll(new long[] {5, 5, 5, 5, 5, 5, 5, 5});

        for (int i = 0; i < sessions.size(); i++) {
            final TestSession session = sessions.get(i);
            assertThat(registry.get(session.high(), session.low())).isSameAs(session);
            assertThat(registry.bucketPosition(session.high(), session.low())).isEqualTo(5 + i);
        }
    }

    @Test
    void shouldWrapProbingAroundTheEndOfTheIndex() {
        assertThat(registry.indexCapacity()).isEqualTo(16);

        final List<TestSession> sessions = putAll(new long[] {14, 14, 14, 14});

        assertThat(positionsOf(sessions)).containsExactly(14, 15, 0, 1);
        sessions.forEach((s) -> assertThat(registry.get(s.high(), s.low())).isSameAs(s));
    }

    @Test
    void shouldShiftTheRunBackAcrossTheEndOnRemoval() {
        // Homes 14, 14, 15, 0, 1 fill 14, 15, 0, 1, 2; each later one can move back one place.
        final List<TestSession> sessions = putAll(new long[] {14, 14, 15, 0, 1});

        registry.remove(sessions.get(0).high(), sessions.get(0).low());

        assertThat(registry.get(sessions.get(0).high(), sessions.get(0).low())).isNull();
        assertThat(positionsOf(sessions.subList(1, 5))).containsExactly(14, 15, 0, 1);
        sessions.subList(1, 5).forEach((s) -> assertThat(registry.get(s.high(), s.low())).isSameAs(s));
    }

    @Test
    void shouldLeaveIdsAtTheirHomeWhenShifting() {
        // 14 and 15 at home, then one more of home 14 wrapped to 0.
        final List<TestSession> sessions = putAll(new long[] {14, 15, 14});

        registry.remove(sessions.get(0).high(), sessions.get(0).low());

        // The one at home 15 must not move before its home; the wrapped one fills the hole.
        assertThat(positionsOf(sessions.subList(1, 3))).containsExactly(15, 14);
        assertThat(registry.bucketPosition(sessions.get(0).high(), sessions.get(0).low())).isEqualTo(-1);
    }

    @Test
    void shouldRemoveFromTheMiddleOfARunAndKeepTheTailReachable() {
        final List<TestSession> sessions = putAll(new long[] {3, 3, 4, 3, 9});

        registry.remove(sessions.get(1).high(), sessions.get(1).low());

        assertThat(positionsOf(List.of(sessions.get(0), sessions.get(2), sessions.get(3), sessions.get(4))))
            .containsExactly(3, 4, 5, 9);
        assertThat(registry.size()).isEqualTo(4);
    }

    @Test
    void shouldGrowIndexAndSlotsUnderLoad() {
        final SessionRegistry<TestSession> growing = new SessionRegistry<>(0);
        final int initialIndexCapacity = growing.indexCapacity();
        final List<TestSession> sessions = new ArrayList<>();
        final Random random = new Random(3);

        for (int i = 0; i < 100_000; i++) {
            final TestSession session = new TestSession(random.nextLong(), random.nextLong(), i);
            sessions.add(session);
            assertThat(growing.putIfAbsent(session.high(), session.low(), session)).isNull();
        }

        assertThat(growing.size()).isEqualTo(100_000);
        assertThat(growing.indexCapacity()).isGreaterThan(initialIndexCapacity).isGreaterThanOrEqualTo(131_072);
        assertThat(growing.slotCapacity()).isGreaterThanOrEqualTo(100_000);
        for (final TestSession session : sessions) {
            assertThat(growing.get(SessionId.format(session.high(), session.low()))).isSameAs(session);
        }
    }

    @Test
    void shouldReuseFreedSlotsInsteadOfGrowing() {
        final Random random = new Random(11);
        final List<TestSession> sessions = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            final TestSession session = new TestSession(random.nextLong(), random.nextLong(), i);
            sessions.add(session);
            registry.putIfAbsent(session.high(), session.low(), session);
        }
        final int slots = registry.slotCapacity();
        final long offHeap = registry.offHeapBytes();

        for (int round = 0; round < 1_000; round++) {
            final TestSession old = sessions.get(round % sessions.size());
            assertThat(registry.remove(old.high(), old.low(), old)).isTrue();
            final TestSession fresh = new TestSession(random.nextLong(), random.nextLong(), round);
            registry.putIfAbsent(fresh.high(), fresh.low(), fresh);
            sessions.set(round % sessions.size(), fresh);
        }

        assertThat(registry.slotCapacity()).isEqualTo(slots);
        assertThat(registry.offHeapBytes()).isEqualTo(offHeap);
        assertThat(registry.size()).isEqualTo(12);
        sessions.forEach((s) -> assertThat(registry.get(s.high(), s.low())).isSameAs(s));
    }

    @Test
    void shouldVisitEverySessionOnceEvenWhenRemovingDuringIteration() {
        final List<TestSession> sessions = putAll(new long[] {1, 1, 2, 7, 7, 7, 12, 15});
        final List<TestSession> visited = new ArrayList<>();

        registry.forEach((s) -> {
            visited.add(s);
            registry.remove(s.high(), s.low());
        });

        assertThat(visited).containsExactlyInAnyOrderElementsOf(sessions);
        assertThat(registry.size()).isZero();
    }

    @Test
    void shouldForgetEverythingAndRefuseNewSessionsOnceClosed() {
        final SessionId id = SessionId.generate();
        registry.putIfAbsent(id, new TestSession(id));

        registry.close();
        registry.close();

        assertThat(registry.size()).isZero();
        assertThat(registry.get(id)).isNull();
        assertThat(registry.remove(id)).isNull();
        assertThatThrownBy(() -> registry.putIfAbsent(id, new TestSession(id)))
            .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRejectNullSessions() {
        final SessionId id = SessionId.generate();

        assertThatThrownBy(() -> registry.putIfAbsent(id, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> registry.remove(id, null)).isInstanceOf(NullPointerException.class);
    }

    private List<TestSession> putAll(final long[] homes) {
        final List<TestSession> sessions = new ArrayList<>();
        for (int i = 0; i < homes.length; i++) {
            final TestSession session = new TestSession(1000 + i, homes[i], i);
            assertThat(registry.putIfAbsent(session.high(), session.low(), session)).isNull();
            sessions.add(session);
        }
        return sessions;
    }

    private List<Integer> positionsOf(final List<TestSession> sessions) {
        return sessions.stream().map((s) -> registry.bucketPosition(s.high(), s.low())).toList();
    }
}
