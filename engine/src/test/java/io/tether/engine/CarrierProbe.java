package io.tether.engine;

import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Run in a JVM of its own by {@link LoopCarrierTest}: serves one "carrier" request and prints the thread its handler
 * ran on, as {@code carrier: VIRTUAL THREAD}.
 */
public final class CarrierProbe {
    private CarrierProbe() {
    }

    public static void main(String[] args) throws Exception {
        final TetherServer server = TetherServer.builder().onRequest("carrier", call -> Reply.ok(
                (Thread.currentThread().isVirtual() + " " + Thread.currentThread()).getBytes(StandardCharsets.UTF_8)))
            .config(TestServers.config("io-threads", "1")).start();
        try (RawClient c = RawClient.connect(TestServers.address(server))) {
            c.hello("probe");
            c.sendFrame(HandWire.request(1, "carrier", HandWire.utf8("")));
            System.out.println("carrier: " + c.read(HandWire.RESPONSE).string(3));
        } finally {
            server.shutdown(Duration.ofSeconds(1));
        }
    }
}
