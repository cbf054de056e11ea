package io.koembed.cli;

import io.koembed.mining.ParaphraseMining;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code koembed mine}: paraphrase mining, as sentence-transformers' {@code util.paraphrase_mining}. */
@Command(name = "mine", mixinStandardHelpOptions = true,
        description = {"Find the most similar pairs of texts (sentence-transformers' paraphrase_mining, cosine).",
                "Prints JSONL {\"score\":...,\"i\":...,\"j\":...,\"text_i\":...,\"text_j\":...}, highest score first; "
                        + "i < j are 0-based input line numbers."})
final class MineCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    InputOptions input;

    @Mixin
    OutputOption output;

    @Option(names = "--threshold", paramLabel = "T",
            description = "Only print pairs scoring at least T (applied after top-k and max-pairs).")
    Float threshold;

    @Option(names = "--top-k", defaultValue = "100", paramLabel = "K",
            description = "For each text, consider its K most similar other texts (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--max-pairs", defaultValue = "500000", paramLabel = "N",
            description = {"sentence-transformers' max_pairs (default ${DEFAULT-VALUE}): caps the candidate queue "
                    + "of directed pairs (i, j) at N - 1, so at most about N/2 distinct pairs come out once it binds."})
    int maxPairs;

    @Mixin
    EncodeFlags encode;

    @Override
    public Integer call() throws Exception {
        if (topK < 1) {
            throw new UsageError("--top-k must be at least 1, got " + topK);
        }
        if (maxPairs < 1) {
            throw new UsageError("--max-pairs must be at least 1, got " + maxPairs);
        }
        if (threshold != null && threshold.isNaN()) {
            throw new UsageError("--threshold must be a number");
        }
        EncodeOptions options = encode.options();
        PrintWriter err = spec.commandLine().getErr();
        List<String> texts = input.read();
        float[][] embeddings;
        try (SentenceTransformer st = model.load()) {
            embeddings = ProgressMeter.encode(st, texts, options, err, "mine");
        }
        ProgressMeter meter = new ProgressMeter(err, "mine", "compared", "texts with all others", true);
        List<ParaphraseMining.Pair> pairs = ParaphraseMining.mine(embeddings,
                ParaphraseMining.Options.defaults().withTopK(topK).withMaxPairs(maxPairs), meter);
        meter.finish();
        int written = 0;
        try (Output out = output.open(spec.commandLine().getOut())) {
            Jsonl json = Jsonl.writer(out.writer());
            for (ParaphraseMining.Pair p : pairs) {
                if (threshold != null && !(p.score() >= threshold)) {
                    break; // highest first: nothing further qualifies
                }
                json.object(g -> {
                    g.writeNumberField("score", p.score());
                    g.writeNumberField("i", p.i());
                    g.writeNumberField("j", p.j());
                    g.writeStringField("text_i", texts.get(p.i()));
                    g.writeStringField("text_j", texts.get(p.j()));
                });
                written++;
            }
            json.flush();
            out.commit();
        }
        if (output.file != null) {
            err.println("koembed mine: wrote " + written + " pairs of " + texts.size() + " texts to " + output.file);
        }
        return 0;
    }
}
