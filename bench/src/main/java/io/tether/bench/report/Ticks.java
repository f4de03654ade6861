package io.tether.bench.report;

/** Round axis values: steps of 1, 2 or 5 times a power of ten, about five to an axis. */
final class Ticks {
    private static final int ABOUT = 5;

    private Ticks() {
    }

    /** The step between grid lines on an axis spanning {@code range}. */
    static double step(double range) {
        if (!(range > 0)) {
            return 1;
        }
        final double raw = range / ABOUT;
        final double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        final double norm = raw / magnitude;
        final double nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /** The smallest round value at or above {@code v}: where an axis that must show {@code v} ends. */
    static double ceiling(double v) {
        if (!(v > 0)) {
            return 1;
        }
        final double step = step(v);
        return Math.ceil(v / step - 1e-9) * step;
    }
}
