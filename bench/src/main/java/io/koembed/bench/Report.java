package io.koembed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.incubator.vector.FloatVector;

/** The Markdown report. */
final class Report {

    private Report() {}

    static String markdown(Benchmark.Options o, Benchmark.Context c) {
        StringBuilder md = new StringBuilder();
        md.append("# KoEmbed vs ONNX Runtime\n\n");
        if (o.quick()) {
            md.append("**QUICK RUN (`--quick`): a check of the harness on a subset; these numbers are not for comparison.**\n\n");
        }
        md.append("Run ").append(Benchmark.now()).append(". Same machine, weights, token ids and batches for every engine, ")
                .append("one JVM; engines interleaved in every measurement.\n\n");

        JsonNode cfg = c.config();
        List<String[]> env = machine(c.koembedVersion());
        env.add(row("model", String.format(Locale.ROOT,
                "`%s`: %s, %d layers, hidden %d, %d heads, FFN %d, vocab %d; random weights (bench/scripts/make_model.py); fp32 on disk",
                o.model().getFileName(), cfg.path("architectures").path(0).asText("?"),
                cfg.path("num_hidden_layers").asInt(), cfg.path("hidden_size").asInt(),
                cfg.path("num_attention_heads").asInt(), cfg.path("intermediate_size").asInt(),
                cfg.path("vocab_size").asInt())));
        env.add(row("tokenizer", c.tokenizer().description() + "; used for every engine"));
        env.add(row("data", String.format(Locale.ROOT,
                "KorSTS dev (`%s`): %d sentences, %d tokens (mean %.1f, max %d per sentence incl. <s> </s>); "
                        + "long text: %d tokens",
                o.data().getFileName(), c.sentences(), c.totalTokens(), c.totalTokens() / (double) c.sentences(),
                c.maxTokens(), c.longTextTokens()) + "; longest text: " + c.longestTextTokens() + " tokens"));
        StringBuilder checks = new StringBuilder();
        for (Map.Entry<String, Double> e : c.checks().entrySet()) {
            if (!checks.isEmpty()) {
                checks.append("; ");
            }
            checks.append(e.getKey()).append(": ").append(String.format(Locale.ROOT, "%.2g", e.getValue()));
        }
        env.add(row("correctness", "max abs diff of the embeddings, all within the tolerance "
                + String.format(Locale.ROOT, "%.0e", o.tolerance()) + " — " + checks));
        md.append(table(new String[] {"", ""}, env, "l")).append('\n');

        // ---- the main table ----
        String baseline = Benchmark.ORT_NAME;
        String b32 = "KorSTS dev, batch 32 (sent/s)";
        String b1m = "batch 1, median (ms/sent)";
        String b1p = "batch 1, p90 (ms/sent)";
        String b8 = c.longTextTokens() + "-token text, batch 8 (sent/s)";
        String b64 = c.longTextTokens() + "-token text, batch 64 (sent/s)";
        String b8longest = c.longestTextTokens() + "-token text, batch 8 (sent/s)";
        md.append("## Encoder speed\n\n");
        List<String[]> rows = new ArrayList<>();
        Double base32 = c.batch32().get(baseline);
        double[] base1 = c.batch1Ms().get(baseline);
        Map<String, Double> l8 = c.longThroughput().get(8);
        Map<String, Double> l64 = c.longThroughput().get(64);
        for (Benchmark.Loaded l : c.loaded()) {
            String n = l.engine().name();
            double[] ms = c.batch1Ms().get(n);
            rows.add(new String[] {
                    n,
                    higher(c.batch32().get(n), base32),
                    lower(Stats.median(ms), base1 == null ? null : Stats.median(base1)),
                    lower(Stats.quantile(ms, 0.9), base1 == null ? null : Stats.quantile(base1, 0.9)),
                    higher(l8.get(n), l8.get(baseline)),
                    higher(l64.get(n), l64.get(baseline)),
                    higher(c.longestThroughput().get(n), c.longestThroughput().get(baseline))});
        }
        md.append(table(new String[] {"engine", b32, b1m, b1p, b8, b64, b8longest}, rows, "r")).append('\n');
        md.append(String.format(Locale.ROOT,
                "In parentheses: speed relative to ONNX Runtime in this run, > 1 = faster than ONNX Runtime (for the "
                        + "batch-1 times: ONNX Runtime's time / the engine's time). Texts in, pooled vectors out: each engine "
                        + "tokenizes with the same tokenizer inside the timed call (%.1f µs per KorSTS sentence, see below). "
                        + "Batch 32: all %d sentences, sorted longest first and padded per batch, the engines taking "
                        + "turns per block of " + Benchmark.BATCH32_BLOCK + " batches%s. Batch 1: %d sentences "
                        + "spread over the set, one call each, the engines taking turns per block of "
                        + Benchmark.BATCH1_BLOCK + ". Long text: the same text repeated to fill the batch, the engines "
                        + "taking turns of calls, at least %.0f s in all each (sentences over the time of all calls)."
                        + "\n\n",
                c.tokenizeSeconds() * 1e6 / c.sentences(), c.sentences(),
                o.rounds() > 1 ? ", mean of " + o.rounds() + " rounds" : "", base1 == null ? c.batch1Ms().values()
                        .iterator().next().length : base1.length, o.minSeconds()));

        // ---- reduced precision ----
        if (!c.quality().isEmpty()) {
            md.append("## Reduced precision: distance to fp32\n\n");
            List<String[]> qrows = new ArrayList<>();
            for (Map.Entry<String, Benchmark.Quality> e : c.quality().entrySet()) {
                Benchmark.Quality q = e.getValue();
                qrows.add(new String[] {e.getKey(), String.format(Locale.ROOT, "%.5f", q.minCosine()),
                        String.format(Locale.ROOT, "%.6f", q.meanCosine()),
                        String.format(Locale.ROOT, "%.3g", q.maxAbsDiff()),
                        String.format(Locale.ROOT, "%.5f", q.longTextCosine())});
            }
            md.append(table(new String[] {"engine", "min cosine, " + c.sentences() + " KorSTS sentences",
                    "mean cosine", "max abs diff", "cosine, " + c.longTextTokens() + "-token text"}, qrows, "r"))
                    .append('\n');
            md.append("Each embedding against ONNX Runtime fp32's embedding of the same text (batch 32; the long text "
                    + "at batch 8). Arithmetic is float32 in every KoEmbed row; only the stored weights differ "
                    + "(bfloat16: round to nearest even; int8: symmetric per output channel).\n\n");
        }

        // ---- matmul ----
        Benchmark.MatmulReport mm = c.matmul();
        if (mm != null) {
            md.append(matmulSection(mm));
        }

        // ---- other ----
        Benchmark.CliReport cli = c.cli();
        if (cli != null) {
            double[] seconds = cli.allSeconds(), around = cli.baselineRates(), ratios = cli.ratios();
            double medianSeconds = Stats.median(seconds);
            md.append("## The command line, fresh JVM (fp32)\n\n");
            md.append(table(new String[] {"", "KoEmbed", "ONNX Runtime fp32, steady (passes around the calls)",
                    "ratio (median; each call)"}, List.of(
                    new String[] {"time to the first embedding (one sentence, process start to exit; median of 5)",
                            String.format(Locale.ROOT, "%.2f s", cli.firstEmbeddingSeconds())
                                    + (Double.isNaN(cli.firstSystemSeconds()) ? "" : String.format(Locale.ROOT,
                                    " (CPU: user %.2f s, system %.2f s)", cli.firstUserSeconds(),
                                    cli.firstSystemSeconds())), "", ""},
                    new String[] {String.format(Locale.ROOT,
                            "%d KorSTS sentences at batch 32, %d processes (sent/s, median)", cli.sentences(),
                            seconds.length),
                            String.format(Locale.ROOT, "%.1f (%s s)", cli.sentences() / medianSeconds,
                                    joined(seconds, "%.1f")),
                            around.length == 0 ? "—" : joined(around, "%.1f"),
                            ratios.length == 0 ? "—" : String.format(Locale.ROOT, "%.2f× (%s)", Stats.median(ratios),
                                    joined(ratios, "%.2f"))}), "r"))
                    .append('\n');
            md.append("`").append(cli.command()).append("`: start-up, class loading, model load and JIT warm-up "
                    + "included; each call against the mean rate of ONNX Runtime's passes over the same sentences in "
                    + "this JVM right before and right after it (its rate in the table above may be minutes older).\n\n");
        }

        md.append("## Other measurements\n\n");
        md.append(String.format(Locale.ROOT,
                "- Tokenization (%s), one thread: %.1f ms for the %d sentences = %.1f µs per sentence, %.2f M tokens/s "
                        + "(best of 3 passes after a warm-up pass).\n",
                c.tokenizer().description(), c.tokenizeSeconds() * 1e3, c.sentences(),
                c.tokenizeSeconds() * 1e6 / c.sentences(), c.totalTokens() / c.tokenizeSeconds() / 1e6));
        for (Benchmark.Loaded l : c.loaded()) {
            md.append(String.format(Locale.ROOT,
                    "- %s: load to first embedding %.2f s; peak RSS while loading and encoding the %d sentences %d MiB "
                            + "(process VmHWM%s; RSS before loading %d MiB, so +%d MiB; Java heap committed after it "
                            + "%d MiB); that first pass (JIT warm-up, untimed in the table) took %.2f s.\n",
                    l.engine().name(), l.loadToFirstSeconds(), c.sentences(), l.peakRssKib() >> 10,
                    l.peakReset() ? ", reset before loading" : ", since process start: could not reset",
                    l.rssBeforeKib() >> 10, (l.peakRssKib() - l.rssBeforeKib()) >> 10, l.heapCommittedMib(),
                    l.warmupSeconds()));
        }
        md.append(String.format(Locale.ROOT, "- RSS at the end (all engines loaded): %d MiB.\n",
                c.rssEndKib() >> 10));
        md.append("- Engines are loaded in table order (KoEmbed first, ONNX Runtime last), so each RSS includes what "
                + "was loaded before it.\n");
        return md.toString();
    }

    /** The header rows that say where and with what a run was made. */
    private static List<String[]> machine(String koembedVersion) {
        List<String[]> env = new ArrayList<>();
        env.add(row("CPU", SystemInfo.cpuModel() + ", " + Runtime.getRuntime().availableProcessors()
                + " cores available to the JVM, " + SystemInfo.cpuMhz() + " MHz (/proc/cpuinfo); SIMD: "
                + SystemInfo.simdFlags()));
        env.add(row("OS", SystemInfo.os()));
        env.add(row("JDK", SystemInfo.jvm()));
        env.add(row("JVM flags", "`" + SystemInfo.jvmFlags() + "`"));
        env.add(row("Vector API", "preferred species " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + " bits ("
                + FloatVector.SPECIES_PREFERRED.length() + " floats)"));
        env.add(row("ONNX Runtime", OrtEngine.version() + " (Maven com.microsoft.onnxruntime:onnxruntime, CPU), "
                + OrtEngine.describeOptions()));
        env.add(row("KoEmbed", koembedVersion));
        return env;
    }

    /** The report of {@code --matmul-only}: the machine and the matmul tables. */
    static String matmulOnly(Benchmark.MatmulReport mm, String koembedVersion) {
        return "# KoEmbed matmul kernels vs ONNX Runtime's MatMul\n\nRun " + Benchmark.now() + ".\n\n"
                + table(new String[] {"", ""}, machine(koembedVersion), "l") + "\n" + matmulSection(mm);
    }

    private static String[] row(String a, String b) {
        return new String[] {a, b};
    }

    /** The matmul tables, one per activation row count; also the whole report of {@code --matmul-only}. */
    static String matmulSection(Benchmark.MatmulReport mm) {
        StringBuilder md = new StringBuilder();
        double peak = mm.peak().gflops();
        for (int rows : mm.rows()) {
            md.append("## Matrix multiply, fp32 (").append(rows).append(" activation rows × the layer weights)\n\n");
            List<String> header = new ArrayList<>(List.of("kernel"));
            for (MatmulBench.Shape s : MatmulBench.SHAPES) {
                header.add(s.label(rows) + " (GFLOP/s)");
            }
            List<String[]> mrows = new ArrayList<>();
            boolean first = true;
            for (var kernel : mm.koembed().entrySet()) {
                String name = "KoEmbed " + kernel.getKey() + (first ? ", the encoder's" : "");
                mrows.add(matmulRow(name, kernel.getValue(), rows, peak));
                first = false;
            }
            mrows.add(matmulRow("ONNX Runtime MatMul (MLAS)", mm.ort(), rows, peak));
            md.append(table(header.toArray(new String[0]), mrows, "r")).append('\n');
        }
        md.append(String.format(Locale.ROOT,
                "In parentheses: share of the FMA peak, **%.1f GFLOP/s** measured in this run (Java Vector API "
                        + "`FloatVector.fma`, %d-bit vectors, best of 4 to 12 independent accumulators per thread: "
                        + "%d, %d threads). Median time per call; each KoEmbed kernel's result is checked against a "
                        + "double-precision reference first. The KoEmbed rows after the first are the same kernel with "
                        + "the other register tiles (rows x vectors) worth trying on this vector shape "
                        + "(`-Dkoembed.matmulTile=RxV` makes the encoder use one).%s\n\n",
                peak, mm.peak().laneBits(), mm.peak().accumulators(), mm.peak().threads(),
                mm.note().isEmpty() ? "" : " " + mm.note()));
        return md.toString();
    }

    private static String[] matmulRow(String name, Map<String, Double> values, int rows, double peak) {
        String[] r = new String[MatmulBench.SHAPES.size() + 1];
        r[0] = name;
        for (int i = 0; i < MatmulBench.SHAPES.size(); i++) {
            Double v = values.get(Benchmark.matmulKey(rows, MatmulBench.SHAPES.get(i)));
            r[i + 1] = v == null ? "—" : String.format(Locale.ROOT, "%.1f (%.0f%%)", v, 100 * v / peak);
        }
        return r;
    }

    /** A higher-is-better value with its ratio to the baseline. */
    static String higher(Double v, Double base) {
        if (v == null) {
            return "—";
        }
        String s = number(v);
        return base == null ? s : s + String.format(Locale.ROOT, " (%.2f×)", v / base);
    }

    /** A lower-is-better value (a time) with the baseline's time divided by it. */
    static String lower(Double v, Double base) {
        if (v == null) {
            return "—";
        }
        String s = number(v);
        return base == null ? s : s + String.format(Locale.ROOT, " (%.2f×)", base / v);
    }

    static String number(double v) {
        if (v >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (v >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /** A Markdown table; {@code align} "r" right-aligns every column but the first. */
    static String table(String[] header, List<String[]> rows, String align) {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (int i = 0; i < header.length; i++) {
            sb.append(i > 0 && align.equals("r") ? "---:|" : "---|");
        }
        sb.append('\n');
        for (String[] r : rows) {
            sb.append("| ");
            for (int i = 0; i < r.length; i++) {
                if (i > 0) {
                    sb.append(" | ");
                }
                sb.append(r[i].replace("|", "\\|").replace("\n", " "));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }

    /** The values formatted with {@code format}, comma-separated. */
    private static String joined(double[] values, String format) {
        return Arrays.stream(values).mapToObj(v -> String.format(Locale.ROOT, format, v))
                .collect(java.util.stream.Collectors.joining(", "));
    }
}
