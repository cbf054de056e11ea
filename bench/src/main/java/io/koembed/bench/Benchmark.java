package io.koembed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * KoEmbed against ONNX Runtime on the same CPU, the same weights, the same tokens and the same batches, in one
 * JVM. Prints a Markdown report to stdout and writes it to a file; progress goes to stderr.
 *
 * <p>Order of work: load each engine (KoEmbed first, ONNX Runtime last; load to first embedding timed),
 * check ONNX Runtime against the torch reference, run every engine once over all benchmark texts (JIT warm-up
 * and the correctness check: every engine must agree with ONNX Runtime within the tolerance, or the run aborts
 * before any timing), then the timed measurements, engines interleaved so that machine noise hits all of them
 * alike. Every timed output is checked again.
 *
 * <p>Run through bench/run; see bench/README.md.
 */
public final class Benchmark {

    static final String ORT_NAME = "ONNX Runtime fp32";

    /** Consecutive batch-1 calls of one engine before the next takes its turn. */
    static final int BATCH1_BLOCK = 20;
    /** Batches of 32 per engine's turn in the KorSTS batch-32 row: about 4 s on 2 Zen 5 cores. */
    static final int BATCH32_BLOCK = 10;

    /** Command-line options. */
    record Options(Path model, Path data, Path results, String engines, boolean quick, int rounds,
                   double tolerance, int batch1Count, double minSeconds, int longTokens, int longestTokens,
                   boolean matmul, boolean matmulOnly) {

        static Options parse(String[] args) {
            Path model = Path.of("bench/out/xlmr-base-random");
            Path data = Path.of("data/korsts/sts-dev.tsv");
            Path results = null;
            String engines = "all";
            boolean quick = false;
            int rounds = 1;
            double tolerance = 1e-4;
            int batch1 = -1;
            double minSeconds = -1;
            int longTokens = 128;
            int longestTokens = 510;
            boolean matmul = true;
            boolean matmulOnly = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--model" -> model = Path.of(value(args, ++i, a));
                    case "--data" -> data = Path.of(value(args, ++i, a));
                    case "--results" -> results = Path.of(value(args, ++i, a));
                    case "--engines" -> engines = value(args, ++i, a);
                    case "--quick" -> quick = true;
                    case "--rounds" -> rounds = Integer.parseInt(value(args, ++i, a));
                    case "--tolerance" -> tolerance = Double.parseDouble(value(args, ++i, a));
                    case "--batch1-count" -> batch1 = Integer.parseInt(value(args, ++i, a));
                    case "--min-seconds" -> minSeconds = Double.parseDouble(value(args, ++i, a));
                    case "--long-tokens" -> longTokens = Integer.parseInt(value(args, ++i, a));
                    case "--longest-tokens" -> longestTokens = Integer.parseInt(value(args, ++i, a));
                    case "--no-matmul" -> matmul = false;
                    case "--matmul-only" -> matmulOnly = true;
                    case "-h", "--help" -> {
                        System.out.println(USAGE);
                        System.exit(0);
                    }
                    default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
                }
            }
            if (!List.of("all", "ort", "koembed").contains(engines)) {
                throw new IllegalArgumentException("--engines must be all, ort or koembed, got " + engines);
            }
            if (results == null) {
                results = matmulOnly ? Path.of("bench/out/RESULTS-matmul.md")
                        : quick ? Path.of("bench/out/RESULTS-quick.md") : Path.of("bench/RESULTS-latest.md");  // relative to the repository root, where bench/run starts the JVM
            }
            if (batch1 < 0) {
                batch1 = quick ? 20 : 200;
            }
            if (minSeconds < 0) {
                minSeconds = quick ? 1.0 : 5.0;
            }
            return new Options(model, data, results, engines, quick, rounds, tolerance, batch1, minSeconds, longTokens,
                    longestTokens, matmul, matmulOnly);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }

    static final String USAGE = """
            usage: Benchmark [--model DIR] [--data sts-dev.tsv] [--results FILE] [--engines all|ort|koembed]
                             [--quick] [--rounds N] [--tolerance 1e-4] [--batch1-count 200] [--min-seconds 5]
                             [--long-tokens 128] [--longest-tokens 510] [--no-matmul] [--matmul-only]
              --quick   a short run to check the harness (first 320 sentences, 20 batch-1 sentences, 1 s boxes);
                        its numbers are not for comparison and go to bench/out/RESULTS-quick.md
              --matmul-only  only the FMA peak and the matmul tables (every candidate register tile of this CPU's
                        vector shape against ONNX Runtime's MatMul), a few minutes; report to bench/out/RESULTS-matmul.md""";

    /** Thrown when a correctness check fails: the run stops before (or instead of) reporting timings. */
    static final class Abort extends RuntimeException {
        Abort(String message) {
            super(message);
        }
    }

    /** An engine with what its loading cost. */
    record Loaded(Engine engine, double loadToFirstSeconds, long rssBeforeKib, long peakRssKib, boolean peakReset,
                  long heapCommittedMib, float[][] warmupEmbeddings, double warmupSeconds) {}

    private final Options o;
    private final long start = System.nanoTime();

    private Benchmark(Options o) {
        this.o = o;
    }

    public static void main(String[] args) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            String report = new Benchmark(o).run();
            System.out.print(report);
            System.out.flush();
            Files.createDirectories(o.results.toAbsolutePath().getParent());
            Files.writeString(o.results, report);
            System.err.println("bench: report written to " + o.results);
            System.exit(0);
        } catch (Abort e) {
            System.err.println();
            System.err.println("bench: ABORTED, no timings reported: " + e.getMessage());
            System.exit(3);
        } catch (Exception e) {
            System.err.println("bench: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    private void log(String fmt, Object... args) {
        System.err.printf(Locale.ROOT, "[%7.1fs] %s%n", (System.nanoTime() - start) / 1e9,
                String.format(Locale.ROOT, fmt, args));
    }

    String run() throws Exception {
        if (o.matmulOnly) {
            Optional<KoEmbedBridge> bridge = koembedBridge();
            return Report.matmulOnly(matmul(bridge), bridge.map(KoEmbedBridge::version).orElse("not in this build"));
        }
        ObjectMapper json = new ObjectMapper();
        JsonNode config = json.readTree(o.model.resolve("config.json").toFile());
        int padId = config.path("pad_token_id").asInt(1);
        int hidden = config.path("hidden_size").asInt();
        Path onnx = o.model.resolve("model.onnx");
        if (!Files.isRegularFile(onnx)) {
            throw new IllegalArgumentException(onnx + " not found: run bench/setup first");
        }

        // KoEmbed's side, or in a build without KoEmbed its stand-in: the texts, the tokenizer, the pooling
        Optional<KoEmbedBridge> bridge = koembedBridge();
        KoEmbedBridge side = bridge.orElseGet(Benchmark::withoutKoembed);
        List<String> texts = side.stsSentences(o.data);
        if (o.quick) {
            texts = texts.subList(0, Math.min(320, texts.size()));
        }
        log("%d sentences from %s; model %s", texts.size(), o.data, o.model);

        // ---- load: KoEmbed first (it brings the tokenizer both sides use), ONNX Runtime last ----------------
        boolean wantKoembed = !o.engines.equals("ort");
        boolean wantOrt = !o.engines.equals("koembed");
        if (wantKoembed && bridge.isEmpty()) {
            throw new Abort("this build has no KoEmbed side (built with -Dbench.withoutKoembed); use --engines ort");
        }
        Reference reference = Reference.read(o.model.resolve("reference.json"));
        Map<String, Double> checks = new LinkedHashMap<>();
        List<Loaded> loaded = new ArrayList<>();
        String firstText = texts.getFirst();
        if (wantKoembed) {
            for (EngineSpec spec : bridge.orElseThrow().engines(o.model)) {
                loaded.add(load(spec, firstText, texts, null, checks));
            }
        }
        TextTokenizer tokenizer = !loaded.isEmpty() ? loaded.getFirst().engine().tokenizer().orElseThrow()
                : side.tokenizer(o.model);
        log("tokenizer: %s", tokenizer.description());

        if (wantOrt) {
            EngineSpec ortSpec = new EngineSpec(ORT_NAME, () -> new OrtEngine(ORT_NAME, onnx, tokenizer, padId, hidden,
                    side.meanPooling(hidden)));
            loaded.add(load(ortSpec, firstText, texts, reference, checks));
        }
        Loaded baseline = loaded.stream().filter(l -> l.engine().isBaseline()).findFirst().orElse(null);
        List<Engine> engines = loaded.stream().map(Loaded::engine).toList();

        try {
            // ---- tokens and the long text ------------------------------------------------------------------
            List<int[]> tokenized = new ArrayList<>(texts.size());
            for (String t : texts) {
                tokenized.add(tokenizer.ids(t));
            }
            int totalTokens = tokenized.stream().mapToInt(a -> a.length).sum();
            int maxTokens = tokenized.stream().mapToInt(a -> a.length).max().orElse(0);
            double tokenizeSeconds = timeTokenizer(tokenizer, texts);
            String longText = longText(texts, tokenizer, o.longTokens);
            int longTextTokens = tokenizer.ids(longText).length;
            // the longest text the model takes (max_seq_length 512 with <s> and </s>): where attention weighs most
            String longestText = longText(texts, tokenizer, o.longestTokens);
            int longestTextTokens = tokenizer.ids(longestText).length;
            log("tokens: %d total, %.1f mean, %d max; long text %d tokens; tokenization %.3f s for %d texts",
                    totalTokens, totalTokens / (double) texts.size(), maxTokens, longTextTokens, tokenizeSeconds,
                    texts.size());

            // ---- correctness: every engine against ONNX Runtime, before any timing -----------------------------
            List<String> batch1Texts = spread(texts, o.batch1Count);
            Map<Integer, List<String>> longBatches = new LinkedHashMap<>();
            for (int b : new int[] {8, 64}) {
                longBatches.put(b, Collections.nCopies(b, longText));
            }
            List<String> longestBatch = Collections.nCopies(8, longestText);
            float[] longestReference = null;
            float[] longReference = null;
            float[][] batch1Reference = null;
            Map<String, Quality> quality = new LinkedHashMap<>();
            if (baseline != null) {
                longReference = baseline.engine().encode(List.of(longText), 1)[0];
                longestReference = baseline.engine().encode(List.of(longestText), 1)[0];
                batch1Reference = baseline.engine().encode(batch1Texts.subList(0, Math.min(5, batch1Texts.size())), 1);
                for (Loaded l : loaded) {
                    if (l == baseline) {
                        continue;
                    }
                    String n = l.engine().name();
                    if (!l.engine().isExact()) {
                        quality.put(n, Quality.of(l.engine(), l.warmupEmbeddings(), baseline.warmupEmbeddings(),
                                longBatches.get(8), longReference));
                        log("%s: %s", n, quality.get(n));
                        continue;
                    }
                    double d = Embeddings.maxAbsDiff(l.warmupEmbeddings(), baseline.warmupEmbeddings());
                    checks.put(n + " vs ONNX Runtime, " + texts.size() + " KorSTS sentences, batch 32", d);
                    requireClose(d, n + " and ONNX Runtime disagree on the KorSTS sentences (batch 32); worst: \""
                            + texts.get(Embeddings.worstRow(l.warmupEmbeddings(), baseline.warmupEmbeddings())) + "\"");
                    float[][] b1 = l.engine().encode(batch1Texts.subList(0, batch1Reference.length), 1);
                    d = Embeddings.maxAbsDiff(b1, batch1Reference);
                    checks.put(n + " vs ONNX Runtime, batch 1", d);
                    requireClose(d, n + " and ONNX Runtime disagree at batch 1");
                    float[][] lb = l.engine().encode(longBatches.get(8), 8);
                    d = maxDiffToOne(lb, longReference);
                    checks.put(n + " vs ONNX Runtime, " + longTextTokens + "-token text, batch 8", d);
                    requireClose(d, n + " and ONNX Runtime disagree on the " + longTextTokens + "-token text");
                    d = maxDiffToOne(l.engine().encode(longestBatch, 8), longestReference);
                    checks.put(n + " vs ONNX Runtime, " + longestTextTokens + "-token text, batch 8", d);
                    requireClose(d, n + " and ONNX Runtime disagree on the " + longestTextTokens + "-token text");
                }
            }
            log("correctness checks passed: %s", checks);

            // ---- timings ------------------------------------------------------------------------------------------
            Map<String, Double> batch32 = batch32InTurns(engines, texts, tokenized, loaded, baseline);

            Map<String, double[]> batch1Ms = new LinkedHashMap<>();
            for (Engine e : engines) {
                batch1Ms.put(e.name(), new double[batch1Texts.size()]);
                for (String t : batch1Texts.subList(0, Math.min(10, batch1Texts.size()))) {
                    e.encode(List.of(t), 1);   // warm-up of the batch-1 path
                }
            }
            // Engines take turns per block of BATCH1_BLOCK sentences, not per sentence: per sentence, each call
            // started while the previous engine's threads were still spinning for more work (ONNX Runtime's pool
            // spins after a run, KoEmbed's for 0.2 ms) and competed with them for the two cores; blocks of a few
            // tenths of a second still spread the machine's noise over all engines alike.
            for (int b0 = 0; b0 < batch1Texts.size(); b0 += BATCH1_BLOCK) {
                int b1 = Math.min(batch1Texts.size(), b0 + BATCH1_BLOCK);
                for (Engine e : interleaved(engines, b0 / BATCH1_BLOCK)) {
                    for (int i = b0; i < b1; i++) {
                        long t0 = System.nanoTime();
                        float[][] out = e.encode(List.of(batch1Texts.get(i)), 1);
                        batch1Ms.get(e.name())[i] = (System.nanoTime() - t0) / 1e6;
                        if (i < 5 && batch1Reference != null && e.isExact()) {
                            checkAgain(e, out, new float[][] {batch1Reference[i]}, "batch 1");
                        }
                    }
                }
            }
            for (Engine e : engines) {
                double[] ms = batch1Ms.get(e.name());
                log("%s: batch 1 over %d sentences: median %.2f ms, p90 %.2f ms", e.name(), ms.length,
                        Stats.median(ms), Stats.quantile(ms, 0.9));
            }

            Map<Integer, Map<String, Double>> longThroughput = new LinkedHashMap<>();
            for (var entry : longBatches.entrySet()) {
                Map<String, Double> perEngine = throughputInTurns(engines, entry.getValue(), longReference);
                perEngine.forEach((n, sps) -> log("%s: %d-token text at batch %d: %.2f sentences/s", n,
                        longTextTokens, entry.getKey(), sps));
                longThroughput.put(entry.getKey(), perEngine);
            }
            Map<String, Double> longestThroughput = throughputInTurns(engines, longestBatch, longestReference);
            longestThroughput.forEach((n, sps) -> log("%s: %d-token text at batch 8: %.2f sentences/s", n,
                    longestTextTokens, sps));

            // ---- the command line in a fresh JVM: start-up, load and warm-up included ------------------------------
            CliReport cli = wantKoembed && !o.quick ? cli(texts, baseline == null ? null : baseline.engine()) : null;

            // ---- matmul GFLOP/s ------------------------------------------------------------------------------
            MatmulReport mm = o.matmul ? matmul(bridge) : null;

            // ---- memory now that everything ran -------------------------------------------------------------
            long rssEnd = SystemInfo.statusKib("VmRSS");

            Context ctx = new Context(config, texts.size(), totalTokens, maxTokens, longTextTokens, tokenizer,
                    tokenizeSeconds, checks, quality, loaded, batch32, batch1Ms, longThroughput, longestTextTokens,
                    longestThroughput, cli, mm, rssEnd,
                    bridge.map(KoEmbedBridge::version).orElse("not in this build"), reference);
            return Report.markdown(o, ctx);
        } finally {
            for (Engine e : engines) {
                try {
                    e.close();
                } catch (RuntimeException ex) {
                    log("closing %s failed: %s", e.name(), ex);
                }
            }
        }
    }

    /** Everything the report needs. */
    record Context(JsonNode config, int sentences, int totalTokens, int maxTokens, int longTextTokens,
                   TextTokenizer tokenizer, double tokenizeSeconds, Map<String, Double> checks,
                   Map<String, Quality> quality, List<Loaded> loaded,
                   Map<String, Double> batch32, Map<String, double[]> batch1Ms,
                   Map<Integer, Map<String, Double>> longThroughput, int longestTextTokens,
                   Map<String, Double> longestThroughput, CliReport cli, MatmulReport matmul, long rssEndKib,
                   String koembedVersion, Reference reference) {}

    /** GFLOP/s by kernel name (the encoder's first) and by {@link #matmulKey}, ONNX Runtime's by the same key. */
    record MatmulReport(List<Integer> rows, FmaPeak.Result peak, Map<String, Map<String, Double>> koembed,
                        Map<String, Double> ort, String note) {}

    // ---- loading --------------------------------------------------------------------------------------------

    private Loaded load(EngineSpec spec, String firstText, List<String> texts, Reference reference,
                        Map<String, Double> checks) throws Exception {
        log("loading %s ...", spec.name());
        long rssBefore = SystemInfo.statusKib("VmRSS");
        boolean reset = SystemInfo.resetPeakRss();
        long t0 = System.nanoTime();
        Engine engine = spec.loader().load();
        try {
            float[] first = engine.encode(List.of(firstText), 1)[0];
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            log("%s: load to first embedding %.2f s (dimension %d)", spec.name(), loadSeconds, first.length);
            if (reference != null) {
                checks.putAll(checkReference((OrtEngine) engine, reference));
            }
            long w0 = System.nanoTime();
            float[][] warm = engine.encode(texts, 32);
            double warmSeconds = (System.nanoTime() - w0) / 1e9;
            long peak = SystemInfo.statusKib("VmHWM");
            log("%s: warm-up over %d sentences at batch 32: %.2f s; peak RSS %d MiB", spec.name(), texts.size(),
                    warmSeconds, peak >> 10);
            long heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted() >> 20;
            return new Loaded(engine, loadSeconds, rssBefore, peak, reset, heap, warm, warmSeconds);
        } catch (RuntimeException | Error e) {
            engine.close();
            throw e;
        }
    }

    /** ONNX Runtime against the torch module's embeddings: the sequences one by one and as one padded batch. */
    private Map<String, Double> checkReference(OrtEngine ort, Reference ref) {
        float[][] singles = ort.encodeIds(ref.inputIds(), 1);
        // All but the longest sequence as one batch padded to the second longest (the longest alone already
        // covers the last positions; padding 10 sequences to 512 tokens would only cost time).
        int longest = 0;
        for (int i = 1; i < ref.inputIds().size(); i++) {
            if (ref.inputIds().get(i).length > ref.inputIds().get(longest).length) {
                longest = i;
            }
        }
        List<int[]> batchIds = new ArrayList<>(ref.inputIds());
        batchIds.remove(longest);
        List<float[]> batchExpected = new ArrayList<>(List.of(ref.embeddings()));
        batchExpected.remove(longest);
        float[][] batched = ort.runBatch(batchIds);
        double dSingle = Embeddings.maxAbsDiff(singles, ref.embeddings());
        double dBatch = Embeddings.maxAbsDiff(batched, batchExpected.toArray(new float[0][]));
        Map<String, Double> checks = new LinkedHashMap<>();
        checks.put("ONNX Runtime vs torch reference.json, " + ref.inputIds().size()
                + " sequences (2 to " + ref.maxLength() + " tokens), one by one", dSingle);
        checks.put("ONNX Runtime vs torch reference.json, all but the longest as one padded batch", dBatch);
        log("ONNX Runtime vs torch reference: max abs diff %.3g one by one, %.3g as one padded batch", dSingle, dBatch);
        requireClose(dSingle, "ONNX Runtime does not reproduce the torch reference embeddings (one by one): "
                + "model.onnx and reference.json do not belong together, or the export is wrong; rerun bench/setup");
        requireClose(dBatch, "ONNX Runtime does not reproduce the torch reference embeddings in a padded batch: "
                + "padding or the attention mask is handled wrongly");
        return checks;
    }

    private void requireClose(double diff, String message) {
        if (!(diff <= o.tolerance)) {
            throw new Abort(message + String.format(Locale.ROOT, " (max abs diff %.3g > tolerance %.1g)", diff,
                    o.tolerance));
        }
    }

    /**
     * KorSTS at batch 32, sentences per second of each engine. The texts go longest first, as every engine batches
     * them, and are cut into blocks of {@link #BATCH32_BLOCK} batches; the engines take turns per block (the order
     * reversed from block to block), so each encodes every text in the same batches as one call over all of them
     * would, and a phase of the shared machine longer than a block (a few seconds) slows all engines alike. Until
     * run 9 each engine ran a whole pass (35-40 s) in its turn, and the fp32 ratio moved between 0.92x and 1.20x
     * from run to run with the engine unchanged. Every engine's output is checked again after each round.
     */
    private Map<String, Double> batch32InTurns(List<Engine> engines, List<String> texts, List<int[]> tokenized,
                                               List<Loaded> loaded, Loaded baseline) {
        int[] lengths = tokenized.stream().mapToInt(a -> a.length).toArray();
        int[] order = Batching.longestFirst(lengths);
        List<String> sorted = Arrays.stream(order).mapToObj(texts::get).toList();
        int block = BATCH32_BLOCK * 32;
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (int round = 0; round < o.rounds; round++) {
            Map<Engine, float[][]> outputs = new LinkedHashMap<>();
            for (int b0 = 0, turn = 0; b0 < sorted.size(); b0 += block, turn++) {
                List<String> chunk = sorted.subList(b0, Math.min(sorted.size(), b0 + block));
                for (Engine e : interleaved(engines, round + turn)) {
                    long t0 = System.nanoTime();
                    float[][] out = e.encode(chunk, 32);
                    seconds.merge(e.name(), (System.nanoTime() - t0) / 1e9, Double::sum);
                    float[][] all = outputs.computeIfAbsent(e, x -> new float[texts.size()][]);
                    for (int i = 0; i < out.length; i++) {
                        all[order[b0 + i]] = out[i];
                    }
                }
            }
            for (Engine e : engines) {
                double s = seconds.get(e.name()) / (round + 1);
                log("%s: %d sentences at batch 32 in %.2f s (%.1f sentences/s; mean of %d rounds)", e.name(),
                        texts.size(), s, texts.size() / s, round + 1);
                if (baseline != null) {
                    checkAgain(e, outputs.get(e), expectedOf(e, loaded, baseline), "KorSTS batch 32");
                }
            }
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        seconds.forEach((name, s) -> rates.put(name, o.rounds * texts.size() / s));
        return rates;
    }

    private void checkAgain(Engine e, float[][] out, float[][] expected, String what) {
        double d = Embeddings.maxAbsDiff(out, expected);
        requireClose(d, e.name() + " changed its output during timing (" + what + ")");
    }

    /** What an engine must reproduce during timing: ONNX Runtime's output if exact, else its own first pass. */
    private static float[][] expectedOf(Engine e, List<Loaded> loaded, Loaded baseline) {
        if (e.isExact()) {
            return baseline.warmupEmbeddings();
        }
        return loaded.stream().filter(l -> l.engine() == e).findFirst().orElseThrow().warmupEmbeddings();
    }

    /**
     * How far a reduced-precision engine is from fp32 (ONNX Runtime's embeddings): cosine per KorSTS sentence
     * (batch 32) and on the long text (batch 8), and the largest absolute difference of any component.
     */
    record Quality(double minCosine, double meanCosine, double maxAbsDiff, double longTextCosine) {
        static Quality of(Engine e, float[][] sentences, float[][] fp32, List<String> longBatch, float[] longFp32) {
            double[] cos = Embeddings.rowCosines(sentences, fp32);
            float[][] lb = e.encode(longBatch, longBatch.size());
            float[][] longRef = new float[lb.length][];
            Arrays.fill(longRef, longFp32);
            double longCos = Arrays.stream(Embeddings.rowCosines(lb, longRef)).min().orElse(Double.NaN);
            return new Quality(Arrays.stream(cos).min().orElse(Double.NaN), Arrays.stream(cos).average().orElse(Double.NaN),
                    Embeddings.maxAbsDiff(sentences, fp32), longCos);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "cosine to fp32 min %.5f, mean %.6f; max abs diff %.3g; long text cosine %.5f",
                    minCosine, meanCosine, maxAbsDiff, longTextCosine);
        }
    }

    private static double maxDiffToOne(float[][] rows, float[] expected) {
        double worst = 0;
        for (float[] r : rows) {
            worst = Math.max(worst, Embeddings.maxAbsDiff(r, expected));
        }
        return worst;
    }

    static Optional<KoEmbedBridge> koembedBridge() {
        try {
            Class<?> c = Class.forName("io.koembed.bench.koembed.KoEmbedSide");
            return Optional.of((KoEmbedBridge) c.getDeclaredConstructor().newInstance());
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            return Optional.empty();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Only for builds without KoEmbed: the stand-in the without-koembed profile brings. */
    static KoEmbedBridge withoutKoembed() {
        try {
            Class<?> c = Class.forName("io.koembed.bench.djl.WithoutKoembed");
            return (KoEmbedBridge) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | NoClassDefFoundError e) {
            throw new IllegalStateException("this build has neither the KoEmbed side nor the stand-in without it ("
                    + e + ")");
        }
    }

    // ---- measurements -------------------------------------------------------------------------------------

    /** Best of 3 passes of the tokenizer over all texts (after one warm-up pass), in seconds. */
    private static double timeTokenizer(TextTokenizer tok, List<String> texts) {
        double best = Double.MAX_VALUE;
        long sink = 0;
        for (int pass = 0; pass < 4; pass++) {
            long t0 = System.nanoTime();
            for (String t : texts) {
                sink += tok.ids(t).length;
            }
            double s = (System.nanoTime() - t0) / 1e9;
            if (pass > 0) {
                best = Math.min(best, s);
            }
        }
        if (sink == 42) {
            System.err.print("");
        }
        return best;
    }

    /** Turns per engine in the long-text rows (each at least a third of --min-seconds, and one call). */
    static final int LONG_TURNS = 3;

    /**
     * Sentences/s of encoding {@code batch} as one batch, for each engine: one call checked against
     * {@code expected} (exact engines only; null for none), then {@link #LONG_TURNS} turns per round in which the
     * engines take turns (the order reversed from turn to turn), each turn calls until a third of
     * {@code minSeconds} has passed (at least one call); the rate is all calls' sentences over all their time.
     */
    private Map<String, Double> throughputInTurns(List<Engine> engines, List<String> batch, float[] expected) {
        for (Engine e : engines) {
            float[][] out = e.encode(batch, batch.size());
            if (expected != null && e.isExact()) {
                double d = maxDiffToOne(out, expected);
                requireClose(d, e.name() + " changed its output during timing (" + batch.size() + " x long text)");
            }
        }
        int turns = o.quick ? 1 : LONG_TURNS * o.rounds;
        double slice = o.minSeconds * 1e9 / (o.quick ? 1 : LONG_TURNS);
        Map<String, long[]> callsAndNanos = new LinkedHashMap<>();
        for (int turn = 0; turn < turns; turn++) {
            for (Engine e : interleaved(engines, turn)) {
                long[] acc = callsAndNanos.computeIfAbsent(e.name(), n -> new long[2]);
                long t0 = System.nanoTime(), elapsed;
                do {
                    e.encode(batch, batch.size());
                    acc[0]++;
                    elapsed = System.nanoTime() - t0;
                } while (elapsed < slice);
                acc[1] += elapsed;
            }
        }
        Map<String, Double> rates = new LinkedHashMap<>();
        callsAndNanos.forEach((n, acc) -> rates.put(n, acc[0] * (double) batch.size() / (acc[1] / 1e9)));
        return rates;
    }

    /**
     * {@code bin/koembed encode} as a user runs it, one process per call: the median over 5 calls of the time to
     * embed one sentence (JVM start, class loading, model load, one encoder pass, exit), and {@link #CLI_CALLS}
     * calls over all the sentences at batch 32, each between two passes of {@code baseline} (ONNX Runtime, in this
     * JVM) over the same sentences, so that each ratio compares runs a minute apart rather than the table's, and
     * the median of the ratios stands for the row (one call moved by 15 % from run to run on the shared machine).
     * A first untimed call builds the CLI (and whatever bin/koembed prepares on first use).
     *
     * @param firstUserSeconds   median CPU time the one-sentence calls spent in user mode, NaN where not measured
     * @param firstSystemSeconds the same in the kernel (page faults of fresh memory, above all)
     * @param allSeconds    each call's wall time over all the sentences
     * @param baselineRates sentences/s of the baseline's passes over all sentences, before the first call and after
     *                      each (one more than the calls); empty without a baseline
     */
    record CliReport(double firstEmbeddingSeconds, double firstUserSeconds, double firstSystemSeconds,
                     double[] allSeconds, int sentences, double[] baselineRates, String command) {

        /** Each call's sentences/s over the mean of the baseline's passes right before and after it. */
        double[] ratios() {
            double[] r = new double[baselineRates.length == 0 ? 0 : allSeconds.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = sentences / allSeconds[i] / ((baselineRates[i] + baselineRates[i + 1]) / 2);
            }
            return r;
        }
    }

    /** How many fresh processes encode all the sentences in {@link #cli}. */
    static final int CLI_CALLS = 3;

    private CliReport cli(List<String> texts, Engine baseline) throws Exception {
        Path all = Files.createTempFile("koembed-bench-", ".txt");
        Path one = Files.createTempFile("koembed-bench-one-", ".txt");
        try {
            Files.write(all, texts);
            Files.writeString(one, texts.getFirst() + "\n");
            List<String> base = List.of("bin/koembed", "encode", "--model", o.model.toString(), "--batch-size", "32",
                    "--input");
            log("bin/koembed encode: a first call (builds the CLI if needed) ...");
            runCli(base, one);
            double[] firsts = new double[5], firstUser = new double[5], firstSystem = new double[5];
            for (int i = 0; i < firsts.length; i++) {
                double[] before = ChildCpu.seconds();
                firsts[i] = runCli(base, one);
                double[] after = ChildCpu.seconds();
                firstUser[i] = after == null ? Double.NaN : after[0] - before[0];
                firstSystem[i] = after == null ? Double.NaN : after[1] - before[1];
                log("bin/koembed encode: one sentence %.2f s (CPU: user %.2f s, system %.2f s)", firsts[i],
                        firstUser[i], firstSystem[i]);
            }
            log("bin/koembed encode: one sentence %.2f s (median of 5)", Stats.median(firsts));
            double[] allSeconds = new double[CLI_CALLS];
            double[] rates = new double[baseline == null ? 0 : CLI_CALLS + 1];
            if (baseline != null) {
                rates[0] = passRate(baseline, texts);
            }
            for (int i = 0; i < CLI_CALLS; i++) {
                allSeconds[i] = runCli(base, all);
                if (baseline != null) {
                    rates[i + 1] = passRate(baseline, texts);
                }
                log("bin/koembed encode: %d sentences %.1f s%s", texts.size(), allSeconds[i],
                        baseline == null ? "" : String.format(Locale.ROOT,
                                " (%s before and after it: %.1f, %.1f sentences/s)", baseline.name(), rates[i],
                                rates[i + 1]));
            }
            return new CliReport(Stats.median(firsts), Stats.median(firstUser), Stats.median(firstSystem),
                    allSeconds, texts.size(), rates,
                    String.join(" ", base) + " FILE > /dev/null");
        } finally {
            Files.deleteIfExists(all);
            Files.deleteIfExists(one);
        }
    }

    /** Sentences/s of one pass of {@code e} over {@code texts} at batch 32. */
    private static double passRate(Engine e, List<String> texts) {
        long t0 = System.nanoTime();
        e.encode(texts, 32);
        return texts.size() / ((System.nanoTime() - t0) / 1e9);
    }

    /** Runs bin/koembed with {@code input} appended, output discarded; returns its wall time in seconds. */
    private static double runCli(List<String> command, Path input) throws Exception {
        List<String> cmd = new ArrayList<>(command);
        cmd.add(input.toString());
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.PIPE).start();
        long t0 = System.nanoTime();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        int code = p.waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (code != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited with " + code + ": " + err.strip());
        }
        return seconds;
    }

    /** The activation row counts of the matmul tables: a batch of sentences, and one sentence. */
    static final List<Integer> MATMUL_ROWS = List.of(256, 20);

    private MatmulReport matmul(Optional<KoEmbedBridge> bridge) throws Exception {
        double seconds = o.quick ? 0.3 : 2.0;
        log("FMA peak ...");
        FmaPeak.Result peak = FmaPeak.measure(Runtime.getRuntime().availableProcessors() >= 2 ? 2 : 1,
                o.quick ? 2 : 3, o.quick ? 0.2 : 0.4);
        log("FMA peak: %.1f GFLOP/s on %d threads (%d-bit vectors, %d accumulators)", peak.gflops(), peak.threads(),
                peak.laneBits(), peak.accumulators());
        // kernel name -> "rows|shape" -> GFLOP/s, the engine's own kernel first
        Map<String, Map<String, Double>> koembed = new LinkedHashMap<>();
        String note = "";
        List<MatmulKernel> kernels = bridge.map(KoEmbedBridge::matmulKernels).orElse(List.of());
        if (bridge.isEmpty()) {
            note = "KoEmbed is not in this build.";
        }
        Map<String, Double> ort = new LinkedHashMap<>();
        boolean ortModels = MatmulBench.ortModelsPresent(o.model);
        if (!ortModels) {
            note += " No ONNX MatMul models in " + o.model + " (rerun bench/setup).";
        }
        for (int rows : MATMUL_ROWS) {
            for (MatmulBench.Shape s : MatmulBench.SHAPES) {
                // kernels and ONNX Runtime side by side per shape, so that a noisy moment hits them alike
                for (MatmulKernel kernel : kernels) {
                    double g = MatmulBench.kernelGflops(kernel, s, rows, seconds);
                    koembed.computeIfAbsent(kernel.name(), x -> new LinkedHashMap<>()).put(matmulKey(rows, s), g);
                    log("%s %s: %.1f GFLOP/s", kernel.name(), s.label(rows), g);
                }
                if (ortModels) {
                    double g = MatmulBench.ortGflops(o.model.resolve(s.onnxFileName()), s, rows, seconds);
                    ort.put(matmulKey(rows, s), g);
                    log("ONNX Runtime MatMul %s: %.1f GFLOP/s", s.label(rows), g);
                }
            }
        }
        return new MatmulReport(MATMUL_ROWS, peak, koembed, ort, note.strip());
    }

    static String matmulKey(int rows, MatmulBench.Shape s) {
        return rows + "|" + s.label(rows);
    }

    // ---- inputs -------------------------------------------------------------------------------------------

    /** {@code n} texts spread evenly over the list (every k-th), so that all lengths are represented. */
    static List<String> spread(List<String> texts, int n) {
        n = Math.min(n, texts.size());
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(texts.get((int) ((long) i * texts.size() / n)));
        }
        return out;
    }

    /**
     * A text of about {@code tokens} tokens: consecutive distinct KorSTS sentences joined with spaces, as many as
     * bring the token count closest to the target.
     */
    static String longText(List<String> texts, TextTokenizer tok, int tokens) {
        StringBuilder sb = new StringBuilder();
        String best = texts.getFirst();
        int bestDiff = Integer.MAX_VALUE;
        String previous = null;
        for (String t : texts) {
            if (t.equals(previous)) {
                continue;
            }
            previous = t;
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(t);
            int n = tok.ids(sb.toString()).length;
            if (Math.abs(n - tokens) < bestDiff) {
                bestDiff = Math.abs(n - tokens);
                best = sb.toString();
            }
            if (n >= tokens) {
                break;
            }
        }
        return best;
    }

    /** The engines in list order on even rounds and reversed on odd ones. */
    static List<Engine> interleaved(List<Engine> engines, int round) {
        if (round % 2 == 0) {
            return engines;
        }
        List<Engine> r = new ArrayList<>(engines);
        Collections.reverse(r);
        return r;
    }

    static String now() {
        return ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    static JsonNode readJson(Path p) {
        try {
            return new ObjectMapper().readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
