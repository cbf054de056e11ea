package io.koembed.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress on stderr for work that takes longer than a moment: nothing for the first 2 seconds, then a line at
 * most every 5 seconds with the count, the rate and the time left, e.g.
 * {@code koembed: embedded 2,048/10,000 texts (93.1/s, about 1m25s left)}.
 */
final class Progress {
    private static final long QUIET_NANOS = 2_000_000_000L;
    private static final long EVERY_NANOS = 5_000_000_000L;

    private final PrintWriter err;
    private final String verb;
    private final String unit;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private long lastPrint = start - EVERY_NANOS + QUIET_NANOS;
    private boolean printed;

    Progress(PrintWriter err, String verb, String unit, long total) {
        this.err = err;
        this.verb = verb;
        this.unit = unit;
        this.total = total;
    }

    void advance(long n) {
        done += n;
        long now = System.nanoTime();
        if (now - lastPrint >= EVERY_NANOS && done < total) {
            lastPrint = now;
            printed = true;
            double rate = done / ((now - start) / 1e9);
            err.printf(Locale.ROOT, "koembed: %s %,d/%,d %s (%.1f/s, about %s left)%n", verb, done, total, unit, rate,
                    duration(rate > 0 ? (total - done) / rate : 0));
            err.flush();
        }
    }

    /** Seconds since the start. */
    double elapsed() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** True once a progress line was printed (the work took more than a moment). */
    boolean printed() {
        return printed;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return (s / 60) + "m" + String.format(Locale.ROOT, "%02d", s % 60) + "s";
        }
        return (s / 3600) + "h" + String.format(Locale.ROOT, "%02d", (s % 3600) / 60) + "m";
    }
}
