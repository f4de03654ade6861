/**
 * The client side of tether's embedding API: a session that survives its connections.
 *
 * <p><b>Supported API</b>: {@link io.tether.engine.client.TetherClient} (with its {@code Builder}) and
 * {@link io.tether.engine.client.TetherClosedException}. The other classes here are the client's internals and are
 * not public.
 */
package io.tether.engine.client;
