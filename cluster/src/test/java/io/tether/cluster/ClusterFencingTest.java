package io.tether.cluster;

import static io.tether.engine.TestServers.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tether.engine.client.TetherClient;
import io.tether.engine.server.TetherServer;
import io.tether.telemetry.Metric;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A node cut off from etcd stops owning sessions before its lease can expire, and comes back when etcd does. */
class ClusterFencingTest {
    @Test
    void shouldStopOwningSessionsBeforeItsLeaseExpiresWhenCutOffFromEtcd() throws Exception {
        try (EtcdProcess etcd = EtcdProcess.start();
             ClusterNodes cut = new ClusterNodes(etcd.endpoint(), "fence");
             ClusterNodes others = new ClusterNodes(etcd.backdoor(), "fence")) {
            final TetherServer p = cut.start("p", "cluster-lease-ttl", "3s");
            final TetherServer q = others.start("q", "cluster-lease-ttl", "3s");
            await("p sees q", () -> p.cluster().redirectTarget().equals(ClusterNodes.url(q)));
            assertThat(p.cluster().owning()).isTrue();
            TetherClient.builder().clientId("before").connect(ClusterNodes.url(p)).close();

            final long cutAt = System.nanoTime();
            etcd.restartBackdoorOnly(); // etcd goes on for q and for the test, not for p
            await("p fenced", () -> !p.cluster().owning(), 10);
            final long fencedAfterMs = (System.nanoTime() - cutAt) / 1_000_000;
            // Fenced no later than two thirds of the TTL after its last renewal, which was at most a third before the cut.
            assertThat(fencedAfterMs).isLessThan(3000);
            // owning() answers from the clock; the fence is counted and logged by the cluster thread a moment later.
            await("the fence counted", () -> p.counters().total(Metric.CLUSTER_FENCED) == 1);
            // p turns new clients away with Goodbye 4009 naming q, and the client goes there.
            try (TetherClient during = TetherClient.builder().clientId("during").connect(ClusterNodes.url(p))) {
                assertThat(during.endpoint()).isEqualTo(ClusterNodes.url(q));
                assertThat(q.sessions().get(during.sessionId())).isNotNull();
            }
            // q sees p's lease expire: p is no member any more, so q does not send it pushes or hand-overs.
            final TetherCluster qc = (TetherCluster) q.cluster();
            await("p gone from q's view", () -> !qc.status().contains(ClusterNodes.url(p)), 15);

            etcd.restart(); // back for p too: its old lease is gone, it registers again under its number
            await("p owning again", () -> p.cluster().owning(), 20);
            assertThat(p.counters().total(Metric.CLUSTER_REGISTERED)).isEqualTo(2);
            assertThat(p.counters().total(Metric.CLUSTER_LEASE_EXPIRED)).isEqualTo(1);
            await("q sees p again", () -> qc.status().contains(ClusterNodes.url(p)), 15);
            TetherClient.builder().clientId("after").timeout(Duration.ofSeconds(5)).connect(ClusterNodes.url(p))
                .close();
        }
    }
}
