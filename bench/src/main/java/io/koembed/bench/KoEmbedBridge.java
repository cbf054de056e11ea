package io.koembed.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Everything the harness needs from KoEmbed, behind one interface so that the harness itself compiles without
 * koembed-core (see the {@code without-koembed} profile in bench/pom.xml). The implementation is
 * {@code io.koembed.bench.koembed.KoEmbedSide}, found by {@link Benchmark} by name; builds without KoEmbed have a
 * stand-in, {@code io.koembed.bench.djl.WithoutKoembed}, with no KoEmbed rows.
 */
public interface KoEmbedBridge {

    /** The KoEmbed rows of the table, in order (fp32 first; later bf16, int8). */
    List<EngineSpec> engines(Path modelDir);

    /**
     * KoEmbed's tokenizer for the model, for runs without KoEmbed rows ({@code --engines ort}): the model stays
     * loaded (memory-mapped, untouched weights) until the JVM exits.
     */
    TextTokenizer tokenizer(Path modelDir);

    /**
     * KoEmbed's matrix-multiply kernels for the GFLOP/s lines: the encoder's own first, then the same kernel with
     * each other register tile worth trying on this CPU's vector shape (so that one run shows which wins here).
     */
    List<MatmulKernel> matmulKernels();

    /** Library version or build identification for the report header. */
    String version();

    /**
     * The benchmark's texts: both sentences of every pair of an STS file (KorSTS or STS-B TSV, JSONL, KLUE-STS
     * JSON), pair by pair in file order, read as KoEmbed reads the file for its evaluator.
     */
    List<String> stsSentences(Path file);

    /** sentence-transformers' mean pooling as KoEmbed computes it, for ONNX Runtime's token states. */
    Pooler meanPooling(int hidden);
}
