package io.tether.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The report's SVG writer: XML a standard parser reads, lines broken where data is missing, round axis values. */
class SvgPlotTest {
    @Test
    void shouldWriteXmlWithItsTextEscaped() throws Exception {
        final Document svg = parse(new SvgPlot("p<1>", "a & b < c", SvgPlot.Axis.SECONDS, SvgPlot.Axis.COUNT,
            "\"time\"").line("x'y", "#123456", false, new double[] {0, 1}, new double[] {1, 2}).svg());

        final Element root = svg.getDocumentElement();
        assertThat(root.getTagName()).isEqualTo("svg");
        assertThat(root.getAttribute("id")).isEqualTo("p<1>");
        assertThat(root.getElementsByTagName("title").item(0).getTextContent()).isEqualTo("a & b < c");
        assertThat(texts(svg)).contains("\"time\"", "x'y");
    }

    @Test
    void shouldBreakALineWhereAValueIsMissing() throws Exception {
        final Document svg = parse(new SvgPlot("p", "t", SvgPlot.Axis.SECONDS, SvgPlot.Axis.COUNT, "s")
            .steps("rate", "#000000", false, new double[] {0, 1, 2, 3}, new double[] {1, 2, 3, 4},
                new double[] {5, Double.NaN, 7, 8}).svg());

        final NodeList lines = svg.getElementsByTagName("polyline");
        assertThat(lines.getLength()).isEqualTo(2);
        assertThat(((Element) lines.item(0)).getAttribute("points").split(" ")).hasSize(2);
        assertThat(((Element) lines.item(1)).getAttribute("points").split(" ")).hasSize(4);
    }

    @Test
    void shouldSaySoWhenThereIsNothingToDraw() throws Exception {
        final Document svg = parse(new SvgPlot("p", "t", SvgPlot.Axis.SECONDS, SvgPlot.Axis.MICROS, "s")
            .line("none", "#000000", false, new double[] {0, 1}, new double[] {Double.NaN, Double.NaN})
            .whenEmpty("idle sessions").svg());

        assertThat(svg.getElementsByTagName("polyline").getLength()).isZero();
        assertThat(texts(svg)).contains("idle sessions");
    }

    @Test
    void shouldPutThePercentileAxisInNines() throws Exception {
        assertThat(SvgPlot.nines(0)).isZero();
        assertThat(SvgPlot.nines(90)).isCloseTo(1, within(1e-9));
        assertThat(SvgPlot.nines(99.9)).isCloseTo(3, within(1e-9));
        final Document svg = parse(new SvgPlot("p", "t", SvgPlot.Axis.PERCENTILE, SvgPlot.Axis.MICROS, "percentile")
            .line("latency", "#000000", false, new double[] {0, 1, 2, 3.4}, new double[] {100, 200, 900, 4000})
            .svg());

        assertThat(texts(svg)).containsSubsequence("0%", "90%", "99%", "99.9%", "99.99%")
            .doesNotContain("99.999%");
    }

    @Test
    void shouldPutALogarithmicAxisAtPowersOfTen() throws Exception {
        final Document svg = parse(new SvgPlot("p", "t", SvgPlot.Axis.SECONDS, SvgPlot.Axis.MICROS, "s").logY()
            .line("max", "#000000", false, new double[] {0, 1}, new double[] {40, 2500}).svg());

        assertThat(texts(svg)).containsSubsequence("10 µs", "100 µs", "1 ms", "10 ms").doesNotContain("100 ms");
    }

    @Test
    void shouldEndAxesOnRoundValues() {
        assertThat(Ticks.step(1000)).isEqualTo(200);
        assertThat(Ticks.step(7)).isEqualTo(2);
        assertThat(Ticks.ceiling(19_937)).isEqualTo(20_000);
        assertThat(Ticks.ceiling(0)).isEqualTo(1);
        assertThat(Numbers.micros(850)).isEqualTo("850 µs");
        assertThat(Numbers.micros(1250)).isEqualTo("1.25 ms");
        assertThat(Numbers.count(19_937)).isEqualTo("19.9k");
    }

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<String> texts(Document svg) {
        return ReportPages.texts(svg.getDocumentElement());
    }
}
