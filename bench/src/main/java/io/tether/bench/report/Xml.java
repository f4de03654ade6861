package io.tether.bench.report;

/** Text and attribute values made safe for the report's XML-well-formed HTML and SVG. */
final class Xml {
    private Xml() {
    }

    /** {@code text} with {@code & < > " '} escaped, so it can stand in element text and in attribute values. */
    static String escape(String text) {
        final StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return sb.toString();
    }
}
