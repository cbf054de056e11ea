package io.koembed.cli;

import io.koembed.Progress;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * The CLI's one progress meter: a step of a command on stderr, once the step takes longer than a moment (2 s), in
 * one format, tqdm's: "koembed mine: encoded 512/5010 texts, 85.3/s, ETA 53s". On a terminal one line is rewritten
 * in place every half second; otherwise (logs, pipes) a line is printed every 10 seconds. A final "done" line
 * follows if anything was printed. It is a {@link Progress}, so the library's long computations report into it.
 */
final class ProgressMeter implements Progress {
    private static final long FIRST_NANOS = 2_000_000_000L;

    private final PrintWriter err;
    private final String prefix;
    private final String verb;
    private final String unit;
    private final boolean eta;
    private final long start = System.nanoTime();
    private final boolean terminal;
    private final long intervalNanos;
    private long lastPrinted;
    private boolean printed;
    private long lastDone;
    private long lastTotal;

    /**
     * @param command e.g. "mine"; @param verb e.g. "encoded"; @param unit e.g. "texts"
     * @param eta     whether done/total predicts the remaining time (not for iterations that may stop early)
     */
    ProgressMeter(PrintWriter err, String command, String verb, String unit, boolean eta) {
        this.err = err;
        this.prefix = "koembed " + command + ": ";
        this.verb = verb;
        this.unit = unit;
        this.eta = eta;
        var console = System.console();
        this.terminal = console != null && console.isTerminal();
        this.intervalNanos = terminal ? 500_000_000L : 10_000_000_000L;
    }

    @Override
    public void update(long done, long total) {
        lastDone = done;
        lastTotal = total;
        long now = System.nanoTime();
        long elapsed = now - start;
        if (done == 0 || done >= total || elapsed < FIRST_NANOS || (printed && now - lastPrinted < intervalNanos)) {
            return;
        }
        print(done, total, elapsed, false);
        lastPrinted = now;
    }

    void finish() {
        if (printed) {
            print(lastDone, lastTotal, System.nanoTime() - start, true);
        }
    }

    /** Seconds since the meter was made. */
    double elapsedSeconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private void print(long done, long total, long elapsedNanos, boolean last) {
        String line = line(done, total, elapsedNanos / 1e9, last);
        if (terminal) {
            err.print("\r" + line + (last ? "\n" : "\u001b[K"));
        } else {
            err.println(line);
        }
        err.flush();
        printed = true;
    }

    /** The meter's line after {@code seconds}: the count, the rate, and the time left (or taken, when last). */
    String line(long done, long total, double seconds, boolean last) {
        double rate = done / Math.max(seconds, 1e-9);
        String count = eta ? done + "/" + total : done + " of at most " + total;
        String tail = last ? String.format(Locale.ROOT, "done in %.1fs", seconds)
                : eta ? "ETA " + duration((total - done) / Math.max(rate, 1e-9)) : "";
        return String.format(Locale.ROOT, "%s%s %s%s, %.1f/s%s", prefix, verb, count,
                unit.isEmpty() ? "" : " " + unit, rate, tail.isEmpty() ? "" : ", " + tail);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    /** {@code st.encode(texts, options)} with this meter on stderr as "koembed COMMAND: encoded N/M texts, ...". */
    static float[][] encode(SentenceTransformer st, List<String> texts, EncodeOptions options, PrintWriter err,
                            String command) {
        ProgressMeter meter = new ProgressMeter(err, command, "encoded", "texts", true);
        float[][] out = st.encode(texts, options, meter);
        meter.finish();
        return out;
    }
}
