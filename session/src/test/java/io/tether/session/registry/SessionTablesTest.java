package io.tether.session.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SessionTablesTest {
    @Test
    void shouldFindWhatWasInsertedWithItsSlot() {
        final SessionTables<String> tables = SessionTables.allocate(16, 4);

        tables.insert(5, 2, 11L, 22L, "two");

        final long found = tables.find(5, 11L, 22L);
        assertThat((int)(found >>> 32)).isEqualTo(5);
        assertThat((int)found).isEqualTo(2);
        assertThat(tables.session((int)found)).isEqualTo("two");
        assertThat(tables.find(5, 11L, 23L)).isEqualTo(SessionTables.ABSENT);
    }

    @Test
    void shouldTellAReaderOnOldTablesThatTheSlotsGrew() {
        final SessionTables<String> old = SessionTables.allocate(16, 4);
        old.insert(1, 0, 1L, 1L, "first");

        // Growing the slots shares the index, so the old tables see buckets past their slots.
        final SessionTables<String> grown = old.withSlotCapacity(8);
        grown.insert(7, 6, 2L, 2L, "seventh");

        assertThat(old.find(7, 2L, 2L)).isEqualTo(SessionTables.STALE);
        assertThat(grown.session((int)grown.find(7, 2L, 2L))).isEqualTo("seventh");
        assertThat(grown.session((int)grown.find(1, 1L, 1L))).isEqualTo("first");
    }

    @Test
    void shouldKeepEveryBucketWhenTheIndexGrows() {
        final SessionTables<String> small = SessionTables.allocate(16, 16);
        for (int i = 0; i < 12; i++) {
            small.insert(3 + 16L * i, i, i, -i, "s" + i);
        }

        final SessionTables<String> grown = small.withIndexCapacity(64);

        assertThat(grown.indexCapacity()).isEqualTo(64);
        for (int i = 0; i < 12; i++) {
            final long found = grown.find(3 + 16 * i, i, -i);
            assertThat(grown.session((int)found)).isEqualTo("s" + i);
            // Hashes 3, 19, 35, 51 are distinct homes in 64 buckets; the rest probe on from them.
            assertThat((int)(found >>> 32) & 15).isEqualTo((3 + i / 4) & 15);
        }
    }

    @Test
    void shouldLinkFreeSlotsThroughTheirKeyRecords() {
        final SessionTables<String> tables = SessionTables.allocate(16, 4);

        tables.linkFreeSlot(3, 1);
        tables.linkFreeSlot(1, -1);

        assertThat(tables.nextFreeSlot(3)).isEqualTo(1);
        assertThat(tables.nextFreeSlot(1)).isEqualTo(-1);
    }
}
