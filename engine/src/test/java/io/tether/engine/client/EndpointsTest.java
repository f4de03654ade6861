package io.tether.engine.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.engine.transport.TcpTransport;
import io.tether.engine.transport.WebSocketTransport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which endpoint a client's next attempt goes to, on URLs alone: nothing is looked up or dialled. */
class EndpointsTest {
    private final Endpoints endpoints = new Endpoints(List.of(parse("tcp://a:1"), parse("ws://b:2/t"),
        parse("tcp://c:3")), null);

    @Test
    void shouldGoRoundTheListFromTheFirst() {
        final List<String> order = new ArrayList<>(List.of(endpoints.current().url()));
        for (int i = 0; i < 4; i++) {
            endpoints.next("lost");
            order.add(endpoints.current().url());
        }
        assertThat(order).containsExactly("tcp://a:1", "ws://b:2/t", "tcp://c:3", "tcp://a:1", "ws://b:2/t");
    }

    @Test
    void shouldSayWhenTheLastOfTheListWasTried() {
        assertThat(endpoints.atEndOfList()).isFalse();
        endpoints.next("lost");
        endpoints.next("lost");
        assertThat(endpoints.atEndOfList()).isTrue();
        endpoints.redirect("tcp://elsewhere:9", "draining");
        assertThat(endpoints.atEndOfList()).as("a redirect target is tried on the list's turn").isTrue();
    }

    @Test
    void shouldTryARedirectTargetOnceAndGoOnWithTheListAfterIt() {
        endpoints.redirect("tcp://elsewhere:9", "draining");
        assertThat(endpoints.current().url()).isEqualTo("tcp://elsewhere:9");
        assertThat(endpoints.current().address().isUnresolved()).as("looked up off the loop, later").isTrue();
        endpoints.next("lost");
        assertThat(endpoints.current().url()).isEqualTo("ws://b:2/t");
    }

    @Test
    void shouldGoToTheNextOfTheListForARedirectWithoutAUsableUrl() {
        for (String url : List.of("", "tcp//oops", "wss://b:2/needs-tls", "ws+echo://b:2/")) {
            final String before = endpoints.current().url();
            endpoints.redirect(url, "draining");
            assertThat(endpoints.current().url()).as(url).isNotEqualTo(before).doesNotContain("oops", "needs-tls");
        }
    }

    @Test
    void shouldGiveEachSchemeItsTransportAndNameABadUrl() {
        assertThat(parse("tcp://a:1").transports().get()).isSameAs(TcpTransport.INSTANCE);
        assertThat(parse("ws://a:1/t").transports().get()).isInstanceOf(WebSocketTransport.class);
        assertThat(parse("ws://a:1/t").transports().get()).as("a fresh one per connection")
            .isNotSameAs(parse("ws://a:1/t").transports().get());
        assertThatThrownBy(() -> parse("tls://a:1")).hasMessageContaining("tls://a:1");
        assertThatThrownBy(() -> parse("ws+echo://a:1/")).hasMessageContaining("ws+echo://a:1/");
        assertThatThrownBy(() -> parse("a:1")).hasMessageContaining("a:1");
        assertThatThrownBy(() -> new Endpoints(List.of(), null)).isInstanceOf(IllegalArgumentException.class);
    }

    private static Endpoint parse(String url) {
        return Endpoint.parse(url, null);
    }
}
