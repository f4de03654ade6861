package io.tether.engine.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The connections a process may hold under its open-file limit. */
class OpenFilesTest {
    @Test
    void shouldLeaveTheFilesOpenNowAndATwentiethOfTheLimitFree() {
        assertThat(OpenFiles.ceiling(20_000, 80)).isEqualTo(20_000 - 80 - 1_000);
        assertThat(OpenFiles.ceiling(1_048_576, 100)).isEqualTo(1_048_576 - 100 - 52_428);
    }

    @Test
    void shouldKeepAtLeastTheMinimumReserveUnderASmallLimit() {
        assertThat(OpenFiles.ceiling(400, 60)).isEqualTo(400 - 60 - 100);
        assertThat(OpenFiles.ceiling(100, 60)).isEqualTo(1);
    }

    @Test
    void shouldNotLimitWhereTheLimitIsUnknown() {
        assertThat(OpenFiles.ceiling(-1, 10)).isEqualTo(Integer.MAX_VALUE);
        assertThat(OpenFiles.ceiling(Long.MAX_VALUE, 10)).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void shouldReadThisProcessesLimit() {
        // The build runs with a limit (this machine's is 20,000): the ceiling is below it, and above nothing.
        final int ceiling = OpenFiles.connectionCeiling();
        assertThat(ceiling).isPositive();
        if (ceiling < Integer.MAX_VALUE) {
            assertThat((long) ceiling).isLessThan(((com.sun.management.UnixOperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount());
        }
    }
}
