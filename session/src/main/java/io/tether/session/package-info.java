/**
 * Internal: the state that lets a session outlive its connections (outbox, recent responses, resume tokens, the
 * context cache, backoff, the client's state machine). Not a supported API and may change in any release, except
 * {@link io.tether.session.ClientState} and {@link io.tether.session.ClientStateMachine.Listener} as
 * {@code TetherClient} passes them.
 */
package io.tether.session;
