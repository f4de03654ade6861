package io.tether.codec.ws;

/** Reads comma-separated header values ({@code Connection: keep-alive, Upgrade}) without splitting them. */
final class TokenList {
    private TokenList() {
    }

    /** Whether the list holds the token, elements trimmed of spaces and tabs. */
    static boolean contains(final String list, final String token, final boolean ignoreCase) {
        int start = 0;
        while (start <= list.length()) {
            int end = list.indexOf(',', start);
            if (end < 0) {
                end = list.length();
            }
            int from = start;
            int to = end;
            while (from < to && isSpace(list.charAt(from))) {
                from++;
            }
            while (to > from && isSpace(list.charAt(to - 1))) {
                to--;
            }
            if (to - from == token.length() && list.regionMatches(ignoreCase, from, token, 0, token.length())) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    /** An RFC 7230 token: visible ASCII except separators. */
    static boolean isToken(final CharSequence s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTokenChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean isTokenChar(final int c) {
        return c > 0x20 && c < 0x7F && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }

    private static boolean isSpace(final char c) {
        return c == ' ' || c == '\t';
    }
}
