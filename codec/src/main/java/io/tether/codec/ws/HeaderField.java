package io.tether.codec.ws;

/** One header line of an HTTP head. Names are lower-cased on parsing (HTTP names ignore case). */
public record HeaderField(String name, String value) {
}
