package io.tether.engine.admission;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Addresses as table keys: an address's prefix (its /24 or /64) as an address of its own. */
final class SourceKeys {
    private SourceKeys() {
    }

    /** {@code address} with every bit past {@code prefix} cleared (a copy). */
    static byte[] mask(byte[] address, int prefix) {
        final byte[] out = address.clone();
        for (int bit = prefix; bit < out.length * 8; bit++) {
            out[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        return out;
    }

    /** The network of {@code address}: its first {@code ipv4Prefix} or {@code ipv6Prefix} bits. */
    static InetAddress prefixOf(InetAddress address, int ipv4Prefix, int ipv6Prefix) {
        final byte[] bytes = address.getAddress();
        try {
            return InetAddress.getByAddress(mask(bytes, bytes.length == 4 ? ipv4Prefix : ipv6Prefix));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a length other than 4 or 16
        }
    }
}
