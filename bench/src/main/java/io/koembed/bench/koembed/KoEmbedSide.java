package io.koembed.bench.koembed;

import io.koembed.bench.Engine;
import io.koembed.bench.EngineSpec;
import io.koembed.bench.KoEmbedBridge;
import io.koembed.bench.MatmulKernel;
import io.koembed.bench.TextTokenizer;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The KoEmbed side of the benchmark: the only class of the bench module that uses koembed-core. Found by
 * {@link io.koembed.bench.Benchmark} by name, so the harness builds without it ({@code -Dbench.withoutKoembed}).
 */
public final class KoEmbedSide implements KoEmbedBridge {

    public KoEmbedSide() {}

    /**
     * The KoEmbed rows. To add bf16 and int8 once the encoder offers them, add one line each here with the
     * loader that selects the precision, e.g.
     * {@code new EngineSpec("KoEmbed bf16", () -> new KoEmbedEngine("KoEmbed bf16", <load with bf16 weights>))}.
     */
    @Override
    public List<EngineSpec> engines(Path modelDir) {
        return List.of(
                new EngineSpec("KoEmbed fp32", () -> new KoEmbedEngine("KoEmbed fp32", SentenceTransformer.load(modelDir))));
    }

    /**
     * ADAPTER, NOT WIRED YET: KoEmbed's matrix-multiply kernel (package io.koembed.tensor, being written in the
     * encoder branch). After merging main, return it here, e.g.
     * <pre>{@code
     * return Optional.of(new MatmulKernel() {
     *     public String name() { return "KoEmbed <kernel name>"; }
     *     public Prepared prepare(float[] w, int out, int in) {
     *         var packed = <io.koembed.tensor kernel>.pack(w, out, in);       // whatever the encoder does at load
     *         return (x, rows, y) -> <io.koembed.tensor kernel>.matmul(x, rows, packed, y);  // y = x · Wᵀ
     *     }
     * });
     * }</pre>
     * The harness checks the result against a double-precision reference before timing it.
     */
    @Override
    public Optional<MatmulKernel> matmulKernel() {
        return Optional.empty();
    }

    @Override
    public String version() {
        Package p = SentenceTransformer.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        return v == null ? "koembed-core (version not in manifest)" : v;
    }

    /** SentenceTransformer.encode with the benchmark's batch size, nothing else changed from the defaults. */
    static final class KoEmbedEngine implements Engine {
        private final String name;
        private final SentenceTransformer model;

        KoEmbedEngine(String name, SentenceTransformer model) {
            this.name = name;
            this.model = model;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public float[][] encode(List<String> texts, int batchSize) {
            return model.encode(texts, EncodeOptions.defaults().withBatchSize(batchSize));
        }

        @Override
        public Optional<TextTokenizer> tokenizer() {
            return Optional.of(new TextTokenizer() {
                @Override
                public String description() {
                    return "KoEmbed (SentenceTransformer.tokenize: strip, tokenize, truncate to max_seq_length "
                            + model.maxSeqLength() + ")";
                }

                @Override
                public int[] ids(String text) {
                    return model.tokenize(text).ids();
                }
            });
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
