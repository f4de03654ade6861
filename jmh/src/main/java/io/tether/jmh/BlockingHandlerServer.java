package io.tether.jmh;

import io.tether.engine.config.ConfigBinder;
import io.tether.engine.server.Reply;
import io.tether.engine.server.TetherServer;
import io.tether.engine.server.TetherServerBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A tether server with the built-in {@code echo} and a method that really blocks: {@code block} sleeps 5 ms and then
 * echoes. It measures whether a handler that blocks delays other sessions' requests on the same loop
 * ({@code scripts/bench-blocking}). Under {@code dispatch=inline} {@code block} is registered inline too, so it runs on
 * the loop, which is the case the measurement must be able to tell apart.
 *
 * <pre>java -cp benchmarks.jar io.tether.jmh.BlockingHandlerServer URL [setting=value ...]</pre>
 */
public final class BlockingHandlerServer {
    /** How long {@code block} sleeps. */
    static final long BLOCK_MILLIS = 5;

    private BlockingHandlerServer() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1) {
            System.err.println("usage: BlockingHandlerServer URL [setting=value ...]");
            System.exit(2);
        }
        final Map<String, List<String>> values = new HashMap<>();
        values.put("listen", List.of(args[0]));
        for (int i = 1; i < args.length; i++) {
            final int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("BlockingHandlerServer: '" + args[i] + "' is not setting=value");
                System.exit(2);
            }
            values.put(args[i].substring(0, eq), List.of(args[i].substring(eq + 1)));
        }
        final TetherServerBuilder builder = TetherServer.builder().config(ConfigBinder.bind(values));
        final boolean inline = "inline".equals(values.getOrDefault("dispatch", List.of("virtual")).get(0));
        final io.tether.engine.server.RequestHandler block = call -> {
            Thread.sleep(BLOCK_MILLIS);
            return Reply.ok(call.payload());
        };
        final TetherServer server = (inline ? builder.onRequestInline("block", block)
            : builder.onRequest("block", block)).start();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        System.out.println("listening on " + server.boundAddresses());
        stopped.await();
    }
}
