package io.koembed.cli;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Progress of one step of a command on stderr, once the step takes longer than a moment (2 s): "koembed mine:
 * encoded 512/5010 texts, 85.3/s, ETA 47s". On a terminal one line is rewritten in place every half second;
 * otherwise (logs, pipes) a line is printed every 10 seconds. A final "done" line follows if anything was printed.
 */
final class ProgressMeter {
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

    void update(long done, long total) {
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

    private void print(long done, long total, long elapsedNanos, boolean last) {
        double seconds = elapsedNanos / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        String count = eta ? done + "/" + total : done + " of at most " + total;
        String tail = last ? String.format(Locale.ROOT, "done in %.1fs", seconds)
                : eta ? "ETA " + duration((total - done) / Math.max(rate, 1e-9)) : "";
        String line = String.format(Locale.ROOT, "%s%s %s%s, %.1f/s%s", prefix, verb, count,
                unit.isEmpty() ? "" : " " + unit, rate, tail.isEmpty() ? "" : ", " + tail);
        if (terminal) {
            err.print("\r" + line + (last ? "\n" : "\u001b[K"));
        } else {
            err.println(line);
        }
        err.flush();
        printed = true;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }

    /**
     * {@code st.encode(texts, options)} in slices of a few batches, reporting progress between slices. The encoder
     * packs each text separately (no padding), so a text's embedding does not depend on which batch it is in: the
     * result equals one {@code encode} call (the CLI tests check this).
     */
    static float[][] encode(SentenceTransformer st, List<String> texts, EncodeOptions options, PrintWriter err,
                            String command) {
        ProgressMeter meter = new ProgressMeter(err, command, "encoded", "texts", true);
        int slice = Math.max(options.batchSize() * 8, 256);
        float[][] out = new float[texts.size()][];
        for (int start = 0; start < texts.size(); start += slice) {
            int end = Math.min(texts.size(), start + slice);
            float[][] part = st.encode(new ArrayList<>(texts.subList(start, end)), options);
            System.arraycopy(part, 0, out, start, part.length);
            meter.update(end, texts.size());
        }
        meter.finish();
        return out;
    }
}
