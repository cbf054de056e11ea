package io.koembed.bench.koembed;

import io.koembed.bench.Engine;
import io.koembed.bench.EngineSpec;
import io.koembed.bench.KoEmbedBridge;
import io.koembed.bench.MatmulKernel;
import io.koembed.bench.Pooler;
import io.koembed.bench.TextTokenizer;
import io.koembed.eval.StsDataset;
import io.koembed.st.EncodeOptions;
import io.koembed.st.Pooling;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.ParallelOps;
import io.koembed.tensor.TensorOps;
import io.koembed.tensor.PackedMatrix;
import io.koembed.tensor.WeightPrecision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The KoEmbed side of the benchmark: the only class of the bench module that uses koembed-core. Found by
 * {@link io.koembed.bench.Benchmark} by name, so the harness builds without it ({@code -Dbench.withoutKoembed}).
 */
public final class KoEmbedSide implements KoEmbedBridge {

    public KoEmbedSide() {}

    /** The KoEmbed rows: one per weight precision, the same SentenceTransformer.load a user calls. */
    @Override
    public List<EngineSpec> engines(Path modelDir) {
        return List.of(row(modelDir, "KoEmbed fp32", WeightPrecision.FLOAT32),
                row(modelDir, "KoEmbed bf16", WeightPrecision.BFLOAT16),
                row(modelDir, "KoEmbed int8", WeightPrecision.INT8));
    }

    private static EngineSpec row(Path modelDir, String name, WeightPrecision weights) {
        return new EngineSpec(name, () -> new KoEmbedEngine(name, SentenceTransformer.load(modelDir, weights),
                weights == WeightPrecision.FLOAT32));
    }

    @Override
    public TextTokenizer tokenizer(Path modelDir) {
        return new KoEmbedEngine("KoEmbed tokenizer", SentenceTransformer.load(modelDir), true).tokenizer().orElseThrow();
    }

    /**
     * The matmul adapters: KoEmbed's {@link ParallelOps#matmul} on the shared pool, exactly as the encoder calls it
     * for its linear layers ({@code C = A · Wᵀ}, no bias here): first with the encoder's own kernels, then with
     * each other candidate register tile ({@link TensorOps#matmulCandidates}). {@code prepare} copies W into a
     * little-endian F32 {@link MemorySegment} in the safetensors [out, in] layout (what mapping model.safetensors
     * gives the encoder) and packs it as the encoder does at load; only {@code apply} is timed. If the kernel API
     * changes, this method is the one place to adapt.
     */
    @Override
    public List<MatmulKernel> matmulKernels() {
        ParallelOps shared = ParallelOps.shared();
        List<ParallelOps> all = new ArrayList<>(List.of(shared));
        for (TensorOps ops : TensorOps.matmulCandidates()) {
            if (!ops.name().equals(shared.ops().name())) {
                all.add(new ParallelOps(ops, shared.parallel()));
            }
        }
        return all.stream().map(KoEmbedSide::matmulKernel).toList();
    }

    private static MatmulKernel matmulKernel(ParallelOps kernels) {
        return new MatmulKernel() {
            @Override
            public String name() {
                return "ParallelOps.matmul (" + kernels.ops().name() + ", " + kernels.parallel().threads() + " threads)";
            }

            @Override
            public Prepared prepare(float[] weight, int out, int in) {
                MemorySegment w = Arena.global().allocate(4L * out * in, 64);
                MemorySegment.copy(weight, 0, w, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                        0, out * in);
                PackedMatrix packed = kernels.pack(w, out, in, WeightPrecision.FLOAT32, Arena.global());
                return (x, rows, y) -> kernels.matmul(x, rows, packed, null, y);
            }
        };
    }

    @Override
    public String version() {
        Package p = SentenceTransformer.class.getPackage();
        String v = p == null ? null : p.getImplementationVersion();
        String commit = System.getProperty("bench.commit");
        return (v == null ? "koembed-core" : "koembed-core " + v) + (commit == null ? "" : ", commit " + commit);
    }

    @Override
    public List<String> stsSentences(Path file) {
        StsDataset data = StsDataset.read(file);
        List<String> out = new ArrayList<>(2 * data.size());
        for (int i = 0; i < data.size(); i++) {
            out.add(data.sentences1().get(i));
            out.add(data.sentences2().get(i));
        }
        return out;
    }

    /** The Pooling module a mean-pooling model directory loads (no prompt to leave out). */
    @Override
    public Pooler meanPooling(int hidden) {
        Pooling mean = new Pooling(hidden, List.of(Pooling.Mode.MEAN), true);
        return (states, length) -> mean.pool(states, length, 0);
    }

    /** SentenceTransformer.encode with the benchmark's batch size, nothing else changed from the defaults. */
    static final class KoEmbedEngine implements Engine {
        private final String name;
        private final SentenceTransformer model;
        private final boolean exact;

        KoEmbedEngine(String name, SentenceTransformer model, boolean exact) {
            this.name = name;
            this.model = model;
            this.exact = exact;
        }

        @Override
        public boolean isExact() {
            return exact;
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
