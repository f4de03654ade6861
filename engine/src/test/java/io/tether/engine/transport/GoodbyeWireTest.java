package io.tether.engine.transport;

import static io.tether.engine.reactor.LoopbackConnections.onLoop;
import static org.assertj.core.api.Assertions.assertThat;

import io.tether.codec.GoodbyeCode;
import io.tether.codec.proto.Goodbye;
import io.tether.engine.reactor.Connection;
import io.tether.engine.reactor.LoopbackConnections;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What {@link Connection#closeWithGoodbye} puts on the wire: the peer reads the Goodbye's every field. */
@Timeout(30)
class GoodbyeWireTest {
    private LoopbackConnections fixture;

    @BeforeEach
    void setUp() throws Exception {
        fixture = new LoopbackConnections("goodbye-wire-test", 1);
    }

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void shouldTellThePeerWhereToReconnectWithARedirect() throws Exception {
        final Goodbye goodbye = sentGoodbye(c -> c.closeWithGoodbye(GoodbyeCode.REDIRECT, "node draining", 0,
            "tcp://127.0.0.1:7001"));

        assertThat(goodbye.getCode()).isEqualTo(GoodbyeCode.REDIRECT);
        assertThat(goodbye.getReason()).isEqualTo("node draining");
        assertThat(goodbye.getRetryAfterMs()).isZero();
        assertThat(goodbye.getReconnectTo()).isEqualTo("tcp://127.0.0.1:7001");
    }

    @Test
    void shouldLeaveReconnectToOutOfTheOtherGoodbyes() throws Exception {
        final Goodbye goodbye = sentGoodbye(c -> c.closeWithGoodbye(GoodbyeCode.OVERLOADED, "busy", 1500));

        assertThat(goodbye.getCode()).isEqualTo(GoodbyeCode.OVERLOADED);
        assertThat(goodbye.getRetryAfterMs()).isEqualTo(1500);
        assertThat(goodbye.getReconnectTo()).isEmpty();
    }

    /** Opens a raw TCP connection, closes it on its loop with {@code close}, and reads what its peer receives. */
    private Goodbye sentGoodbye(java.util.function.Consumer<Connection> close) throws Exception {
        final Connection c = fixture.open(fixture.loop(0), TestFrames.SILENT, TcpTransport.INSTANCE);
        onLoop(fixture.loop(0), () -> {
            close.accept(c);
            return null;
        });
        return TestFrames.read(fixture.peer(c)).getGoodbye();
    }
}
