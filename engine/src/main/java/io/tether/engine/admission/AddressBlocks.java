package io.tether.engine.admission;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of address blocks ({@code 10.0.0.0/8}, {@code 2001:db8::/32}, or one address; a value may hold several,
 * comma-separated), for the operator's ban list
 * and the exempt list. Parsed without DNS: a block is written as a literal address. Immutable.
 */
public final class AddressBlocks {
    private final byte[][] networks;
    private final int[] prefixes;

    private AddressBlocks(byte[][] networks, int[] prefixes) {
        this.networks = networks;
        this.prefixes = prefixes;
    }

    public static final AddressBlocks NONE = new AddressBlocks(new byte[0][], new int[0]);

    /** Parses every block; {@link IllegalArgumentException} names the first one that is not a literal block. */
    public static AddressBlocks parse(List<String> values) {
        final List<String> blocks = new ArrayList<>();
        for (String value : values) {
            for (String block : value.split(",")) {
                if (!block.isBlank()) {
                    blocks.add(block);
                }
            }
        }
        final List<byte[]> networks = new ArrayList<>();
        final int[] prefixes = new int[blocks.size()];
        for (String block : blocks) {
            final String text = block.trim();
            final int slash = text.indexOf('/');
            final byte[] address = literal(slash < 0 ? text : text.substring(0, slash), block);
            int prefix = address.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + block + "' has no prefix length after '/'");
                }
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException("'" + block + "': the prefix length must be 0 to "
                        + address.length * 8);
                }
            }
            prefixes[networks.size()] = prefix;
            networks.add(SourceKeys.mask(address, prefix));
        }
        return new AddressBlocks(networks.toArray(new byte[0][]), prefixes);
    }

    private static byte[] literal(String text, String block) {
        // Only literals: InetAddress.getByName would look a name up in DNS, on the thread that validates a config.
        if (!text.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new IllegalArgumentException("'" + block + "' is not an address or ADDRESS/PREFIX");
        }
        try {
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + block + "' is not an address or ADDRESS/PREFIX");
        }
    }

    public boolean contains(InetAddress address) {
        final byte[] bytes = address.getAddress();
        for (int i = 0; i < networks.length; i++) {
            if (networks[i].length == bytes.length && matches(networks[i], bytes, prefixes[i])) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(byte[] network, byte[] address, int prefix) {
        final int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (network[i] != address[i]) {
                return false;
            }
        }
        final int rest = prefix % 8;
        return rest == 0 || ((network[whole] ^ address[whole]) & (0xFF << (8 - rest)) & 0xFF) == 0;
    }

    public boolean isEmpty() {
        return networks.length == 0;
    }
}
