package io.tether.bench.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A holder's histogram file reads back as the histogram it wrote; several add up. */
class SessionHolderTest {
    @TempDir
    Path dir;

    @Test
    void shouldReadBackTheHistogramItWrote() throws Exception {
        final Recorder recorder = new Recorder(600_000_000L, 3);
        for (long v = 1; v <= 5000; v++) {
            recorder.recordValue(v * 37);
        }
        final Histogram written = recorder.getIntervalHistogram();
        final Path file = dir.resolve("latency-0.hlog");
        SessionHolder.write(written, file);

        final Histogram read = SessionHolder.read(file);

        assertThat(read).isEqualTo(written);
        assertThat(read.getTotalCount()).isEqualTo(5000);
        assertThat(read.getMaxValue()).isEqualTo(written.getMaxValue());
        read.add(SessionHolder.read(file));
        assertThat(read.getTotalCount()).isEqualTo(10_000);
    }
}
