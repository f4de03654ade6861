package io.tether.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.NodeList;

/**
 * What the tests of the report pages (the bench's and the scale run's; the cli module's tests use it too) read
 * them with: a standard XML parser, and checks that a page is self-contained and of what its plots draw.
 */
public final class ReportPages {
    private ReportPages() {
    }

    /** The page as XML, its {@code id} attributes made IDs (without a DTD, getElementById needs to be told). */
    public static Document parse(Path page) throws Exception {
        final DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setExpandEntityReferences(false);
        final Document doc = f.newDocumentBuilder().parse(page.toFile());
        final NodeList all = doc.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            final Element e = (Element) all.item(i);
            if (e.hasAttribute("id")) {
                e.setIdAttribute("id", true);
            }
        }
        return doc;
    }

    /** No script, nothing embedded or linked from elsewhere, the CSP that promises it. */
    public static void assertSelfContained(Document page) {
        for (String tag : List.of("script", "link", "iframe", "object", "embed", "img", "image", "use")) {
            assertThat(page.getElementsByTagName(tag).getLength()).as("<%s>", tag).isZero();
        }
        final NodeList all = page.getElementsByTagName("*");
        for (int i = 0; i < all.getLength(); i++) {
            final NamedNodeMap attributes = all.item(i).getAttributes();
            for (int a = 0; a < attributes.getLength(); a++) {
                final String value = attributes.item(a).getNodeValue();
                assertThat(value).as("attribute %s", attributes.item(a).getNodeName())
                    .doesNotContainIgnoringCase("http:").doesNotContainIgnoringCase("https:").doesNotStartWith("//");
            }
        }
        final String style = page.getElementsByTagName("style").item(0).getTextContent();
        assertThat(style).doesNotContain("url(").doesNotContain("@import");
        final Element meta = (Element) page.getElementsByTagName("meta").item(1);
        assertThat(meta.getAttribute("http-equiv")).isEqualTo("Content-Security-Policy");
        assertThat(meta.getAttribute("content")).isEqualTo("default-src 'none'; style-src 'unsafe-inline'; "
            + "img-src data:");
    }

    /** The plot {@code id}, which must be there. */
    public static Element svg(Document page, String id) {
        final Element svg = page.getElementById(id);
        assertThat(svg).as(id).isNotNull();
        assertThat(svg.getTagName()).isEqualTo("svg");
        return svg;
    }

    /** How many polylines the plot {@code id} draws. */
    public static int polylines(Document page, String id) {
        return svg(page, id).getElementsByTagName("polyline").getLength();
    }

    /** The names of the plot's series, in the order drawn. */
    public static List<String> series(Document page, String id) {
        final NodeList groups = svg(page, id).getElementsByTagName("g");
        final List<String> names = new ArrayList<>();
        for (int i = 0; i < groups.getLength(); i++) {
            names.add(((Element) groups.item(i)).getAttribute("data-name"));
        }
        return names;
    }

    /** Every {@code <text>} in {@code svg}: titles, labels, legends. */
    public static List<String> texts(Element svg) {
        final NodeList texts = svg.getElementsByTagName("text");
        final List<String> out = new ArrayList<>();
        for (int i = 0; i < texts.getLength(); i++) {
            out.add(texts.item(i).getTextContent());
        }
        return out;
    }
}
