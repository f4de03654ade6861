package io.tether.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.tether.engine.server.PushResult;
import org.junit.jupiter.api.Test;

class LinkMessagesTest {
    @Test
    void shouldCarryAPushAndAHandOverAcrossALink() {
        final var push = new LinkMessages.Forward(2, "AAAAAAAAAAAAAAAAAAAAAA", "news/é", ByteString.copyFromUtf8("x"));
        final var back = LinkMessages.Forward.decode(push.encode());
        assertThat(back).isEqualTo(push);

        final var h = new LinkMessages.HandOver(65535, new byte[] {1, 2, 3}, -1);
        final var hb = LinkMessages.HandOver.decode(h.encode());
        assertThat(hb.fromNode()).isEqualTo(65535);
        assertThat(hb.token()).containsExactly(1, 2, 3);
        assertThat(hb.lastPushSeq()).isEqualTo(-1);

        for (PushResult r : PushResult.values()) {
            assertThat(LinkMessages.result(LinkMessages.result(r))).isEqualTo(r);
        }
    }

    @Test
    void shouldRefuseWhatIsNotALinkMessage() {
        assertThatThrownBy(() -> LinkMessages.Forward.decode(ByteString.copyFrom(new byte[] {1, 0, 0, 0, 99})))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LinkMessages.result(ByteString.copyFrom(new byte[] {7})))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(NodeLinks.decode(ByteString.EMPTY, LinkMessages.Forward::decode)).isNull();
    }

    @Test
    void shouldReadAMemberKeyAndTellSessionHomesFromIds() {
        final Member m = new Member(42, "n1", "tcp://h:7100", "tcp://h:7000", 12, "3,4");
        assertThat(Member.decode(42, m.encode())).isEqualTo(m);
        assertThatThrownBy(() -> Member.decode(1, "name=x\n")).hasMessageContaining("no link");
        final ClusterKeys keys = new ClusterKeys("c");
        assertThat(keys.memberNumber(keys.member(42))).isEqualTo(42);
        assertThat(keys.memberNumber(keys.members() + "x")).isEqualTo(-1);
        assertThat(keys.movedSession(keys.moved("abc"))).isEqualTo("abc");
        assertThat(SessionMoves.homeOf(io.tether.session.registry.SessionId.format(42L << 48 | 5, 9))).isEqualTo(42);
        assertThat(SessionMoves.homeOf("not an id")).isZero();
    }
}
