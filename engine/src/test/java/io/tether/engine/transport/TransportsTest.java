package io.tether.engine.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tether.engine.config.ListenAddress;
import io.tether.tls.TlsClientSettings;
import io.tether.tls.TlsContext;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each URL scheme gives the transport stack it names, on both ends, and anything else is refused. */
class TransportsTest {
    private static final WebSocketHandler CHAT = (channel, text, payload) -> { };
    private static final Map<String, WebSocketHandler> HANDLERS = Map.of("/chat", CHAT);
    /** Client settings that trust the JDK's CAs: enough to make an engine, no files. */
    private static final TlsContext CLIENT_TLS = TlsContext.forClient(
        new TlsClientSettings(null, null, null, null, null, null));

    private final AtomicInteger enginesMade = new AtomicInteger();
    private final Supplier<SSLEngine> serverEngines = () -> {
        enginesMade.incrementAndGet();
        try {
            final SSLEngine engine = SSLContext.getDefault().createSSLEngine();
            engine.setUseClientMode(false);
            return engine;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    };

    private static Class<?> typeOf(String name) {
        return switch (name) {
            case "tcp" -> TcpTransport.class;
            case "ws" -> WebSocketTransport.class;
            case "tls" -> TlsTransport.class;
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** {@code stack} is "tcp", "ws", or "tls over tcp" / "tls over ws": the transport, and the one under TLS. */
    private static void assertStack(Transport transport, Transport plain, String stack) {
        final String[] layers = stack.split(" over ");
        assertThat(transport).isInstanceOf(typeOf(layers[0]));
        assertThat(plain).isInstanceOf(typeOf(layers[layers.length - 1]));
    }

    @ParameterizedTest(name = "{0}: server {1}, client {2}")
    @CsvSource({
        "tcp://localhost:7000,       tcp,          tcp",
        "ws://localhost:7000/tether, ws,           ws",
        "ws+echo://localhost:7000/,  ws,           refused",
        "tls://localhost:7000,       tls over tcp, tls over tcp",
        "wss://localhost:7000/chat,  tls over ws,  tls over ws",
    })
    void shouldGiveEachSchemeItsTransportStackOnBothEnds(String url, String server, String client) {
        final ListenAddress address = ListenAddress.parse(url);
        final WebSocketHandler raw = Transports.rawHandler(address, HANDLERS);

        final Transport accepted = Transports.server(address, raw, 1 << 20, serverEngines);
        assertStack(accepted, Transports.plainServer(address, raw, 1 << 20), server);
        assertThat(enginesMade).as("an engine for TLS listeners only").hasValue(address.isTls() ? 1 : 0);
        if (client.equals("refused")) {
            assertThatThrownBy(() -> Transports.client(address, CLIENT_TLS))
                .isInstanceOf(IllegalArgumentException.class);
        } else {
            assertStack(Transports.client(address, CLIENT_TLS), Transports.plainClient(address), client);
        }
    }

    @Test
    void shouldServeAnAdoptedChannelWithoutAListenAddressOverRawTcp() {
        assertThat(Transports.rawHandler(null, HANDLERS)).isNull();
        assertThat(Transports.server(null, null, 1 << 20, serverEngines)).isSameAs(TcpTransport.INSTANCE);
        assertThat(enginesMade).hasValue(0);
    }

    @Test
    void shouldServeWsEchoWithTheEchoAndAPathWithItsRegisteredHandler() {
        assertThat(Transports.rawHandler(ListenAddress.parse("ws+echo://127.0.0.1:7000/chat"), HANDLERS))
            .isSameAs(WebSocketHandler.ECHO);
        assertThat(Transports.rawHandler(ListenAddress.parse("ws://127.0.0.1:7000/chat"), HANDLERS)).isSameAs(CHAT);
        assertThat(Transports.rawHandler(ListenAddress.parse("wss://127.0.0.1:7000/chat"), HANDLERS)).isSameAs(CHAT);
        assertThat(Transports.rawHandler(ListenAddress.parse("ws://127.0.0.1:7000/tether"), HANDLERS))
            .as("tether frames on a path without a handler").isNull();
        assertThat(Transports.rawHandler(ListenAddress.parse("tcp://127.0.0.1:7000"), HANDLERS)).isNull();
    }

    @Test
    void shouldGiveEveryClientConnectionAWebSocketTransportOfItsOwn() {
        final ListenAddress target = ListenAddress.parse("ws://127.0.0.1:7000/tether");

        assertThat(Transports.client(target, null)).isNotSameAs(Transports.client(target, null));
    }

    @Test
    void shouldRefuseAWsEchoTargetOnTheClient() {
        assertThatThrownBy(() -> Transports.client(ListenAddress.parse("ws+echo://127.0.0.1:7000/"), null))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a client connects to tcp://, ws://, tls:// or wss://, not ws+echo");
    }

    @Test
    void shouldRefuseAnUnknownSchemeOnBothEndsNamingTheSupportedOnes() {
        final ListenAddress udp = new ListenAddress("udp", "127.0.0.1", 7000, "/");

        assertThatThrownBy(() -> Transports.server(udp, null, 1 << 20, serverEngines))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a listener serves tcp://, ws://, ws+echo://, tls:// or wss://, not udp");
        assertThatThrownBy(() -> Transports.client(udp, CLIENT_TLS))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a client connects to tcp://, ws://, tls:// or wss://, not udp");
        assertThat(enginesMade).hasValue(0);
    }

    @Test
    void shouldRefuseATlsTargetWithoutTlsSettings() {
        assertThatThrownBy(() -> Transports.client(ListenAddress.parse("wss://localhost:7000/tether"), null))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("wss://localhost:7000/tether needs TLS settings (a CA to trust, and a client certificate"
                + " for mutual TLS)");
    }

    @Test
    void shouldMakeASocketNonBlockingWithoutNagle() throws Exception {
        try (SocketChannel channel = SocketChannel.open()) {
            Transports.configure(channel);

            assertThat(channel.isBlocking()).isFalse();
            assertThat(channel.getOption(StandardSocketOptions.TCP_NODELAY)).isTrue();
        }
    }
}
