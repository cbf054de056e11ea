package io.koembed.cli;

import io.koembed.st.EncodeOptions;
import io.koembed.st.Precision;
import io.koembed.st.QuantizedEmbeddings;
import io.koembed.st.SentenceTransformer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code koembed encode}: sentence embeddings as JSONL, one {@code {"embedding":[...]}} per text, in order: floats,
 * or with {@code --precision} the quantized numbers as numpy shows them (int8/binary signed, uint8/ubinary 0..255).
 */
@Command(name = "encode", mixinStandardHelpOptions = true,
        description = "Embed each text; print JSONL {\"embedding\":[...]} in input order.")
final class EncodeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOption model;

    @Mixin
    InputOptions input;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write the JSONL here instead of stdout (the file appears only when complete).")
    Path output;

    @Option(names = {"-b", "--batch-size"}, defaultValue = "32", paramLabel = "N",
            description = "Texts per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--normalize", description = "L2-normalize the embeddings.")
    boolean normalize;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "Text put before every input, e.g. \"query: \".")
    String prompt;

    @Option(names = "--prompt-name", paramLabel = "NAME",
            description = "A prompt from the model's config_sentence_transformers.json, e.g. query.")
    String promptName;

    @Option(names = "--precision", defaultValue = "float32", paramLabel = "P",
            description = "float32 (default), int8, uint8, binary or ubinary, as sentence-transformers' precision: "
                    + "int8/uint8 calibrated on these texts' own embeddings; binary/ubinary one bit per dimension, "
                    + "packed 8 per number.")
    Precision precision;

    @Option(names = "--truncate-dim", paramLabel = "N",
            description = "Keep the first N dimensions (Matryoshka), before --normalize and --precision.")
    Integer truncateDim;

    @Override
    public Integer call() throws Exception {
        if (truncateDim != null && truncateDim < 1) {
            throw new UsageError("--truncate-dim must be at least 1, got " + truncateDim);
        }
        if (prompt != null && promptName != null) {
            throw new UsageError("give --prompt or --prompt-name, not both");
        }
        if (batchSize < 1) {
            throw new UsageError("--batch-size must be at least 1, got " + batchSize);
        }
        List<String> texts = input.read();
        EncodeOptions options = EncodeOptions.defaults().withBatchSize(batchSize).withNormalize(normalize)
                .withPrompt(prompt).withPromptName(promptName).withTruncateDim(truncateDim == null ? 0 : truncateDim);
        try (SentenceTransformer st = model.load()) {
            if (truncateDim != null && truncateDim >= st.dimension()) {
                spec.commandLine().getErr().println("koembed: warning: --truncate-dim " + truncateDim
                        + " is not below the model's dimension " + st.dimension() + "; keeping all dimensions");
            }
            try (Output out = Output.open(output, spec.commandLine().getOut())) {
                Jsonl json = Jsonl.writer(out.writer());
                if (precision == Precision.FLOAT32) {
                    for (float[] e : st.encode(texts, options)) {
                        json.object(g -> Jsonl.floats(g, "embedding", e));
                    }
                } else {
                    QuantizedEmbeddings q = st.encodeQuantized(texts, options.withPrecision(precision));
                    for (int i = 0; i < q.count(); i++) {
                        int[] values = q.values(i);
                        json.object(g -> {
                            g.writeFieldName("embedding");
                            g.writeArray(values, 0, values.length);
                        });
                    }
                }
                json.flush();
                out.commit();
            }
        }
        return 0;
    }
}
