/**
 * The server side of tether's embedding API: start a server, answer requests, push to sessions.
 *
 * <p><b>Supported API</b> (what an embedder may rely on; changes are listed in the changelog):
 * {@link io.tether.engine.server.TetherServer} and its {@link io.tether.engine.server.TetherServerBuilder},
 * {@link io.tether.engine.server.RequestHandler}, {@link io.tether.engine.server.Call},
 * {@link io.tether.engine.server.Reply}, {@link io.tether.engine.server.TetherException},
 * {@link io.tether.engine.server.Session}, {@link io.tether.engine.server.Sessions},
 * {@link io.tether.engine.server.SessionListener}, {@link io.tether.engine.server.PushResult}, and for an
 * implementation of a cluster {@link io.tether.engine.server.Cluster} and
 * {@link io.tether.engine.server.SessionImage}.
 *
 * <p>Every other public type here ({@code Listener}, {@code BuiltinMethods}) is public only for tether's own
 * modules (the CLI, the benchmarks) and may change in any release.
 *
 * <pre>{@code
 * TetherServer server = TetherServer.builder()
 *     .config(ConfigBinder.bind(Map.of("listen", List.of("tcp://0.0.0.0:7000"))))
 *     .onRequest("greet", call -> Reply.ok(ByteString.copyFromUtf8("hello " + call.clientId())))
 *     .start();
 * }</pre>
 *
 * <p>{@code examples/} in tether's repository is a whole program built on this package.
 */
package io.tether.engine.server;
