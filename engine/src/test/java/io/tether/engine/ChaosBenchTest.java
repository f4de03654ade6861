package io.tether.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.config.ListenAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The chaos bench against a real server: connections cut all the time, and nothing lost, doubled or reordered. */
class ChaosBenchTest {
    @Test
    void shouldCountNoLossNoDuplicateAndNoReorderingWhileConnectionsAreCut() throws Exception {
        try (TetherServer server = TetherServer.builder().config(TestServers.config("io-threads", "2")).start()) {
            final List<String> progress = new CopyOnWriteArrayList<>();
            final ChaosBench.Result r = ChaosBench.run(
                ListenAddress.parse("tcp://127.0.0.1:" + TestServers.address(server).getPort()), null, 20, 8,
                Duration.ofSeconds(3), 20, progress::add);
            assertThat(r.cuts()).isGreaterThanOrEqualTo(40);
            assertThat(r.resumes()).as("cut sessions came back resumed").isPositive();
            assertThat(r.sent()).isPositive();
            assertThat(r.received()).as("%s", r).isEqualTo(r.sent());
            assertThat(r.lost()).isZero();
            assertThat(r.duplicated()).isZero();
            assertThat(r.outOfOrder()).isZero();
            assertThat(r.failedRequests()).isZero();
            assertThat(r.sessionsLost()).isZero();
            assertThat(progress).isNotEmpty();
        }
    }
}
