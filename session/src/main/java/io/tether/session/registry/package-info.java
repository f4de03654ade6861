/**
 * Internal: the off-heap session registry and the text form of session ids. Not a supported API; may change in
 * any release.
 */
package io.tether.session.registry;
