package io.koembed.cli;

import io.koembed.st.EncodeOptions;
import io.koembed.st.Precision;
import io.koembed.st.QuantizedEmbeddings;
import io.koembed.st.SentenceTransformer;
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

    @Mixin
    OutputOption output;

    @Mixin
    EncodeFlags encode;

    @Option(names = "--normalize", description = "L2-normalize the embeddings.")
    boolean normalize;

    @Option(names = "--precision", defaultValue = "float32", paramLabel = "P",
            description = "float32 (default), int8, uint8, binary or ubinary, as sentence-transformers' precision: "
                    + "int8/uint8 calibrated on these texts' own embeddings; binary/ubinary one bit per dimension, "
                    + "packed 8 per number.")
    Precision precision;

    @Mixin
    TruncateDim truncate;

    @Override
    public Integer call() throws Exception {
        Integer truncateDim = truncate.value();
        EncodeOptions options = encode.options().withNormalize(normalize)
                .withTruncateDim(truncateDim == null ? 0 : truncateDim);
        List<String> texts = input.read();
        try (SentenceTransformer st = model.load()) {
            truncate.warnIfNotBelow(st.dimension(), spec.commandLine().getErr());
            try (Output out = output.open(spec.commandLine().getOut())) {
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
