package io.koembed.bench.djl;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.bench.EngineSpec;
import io.koembed.bench.KoEmbedBridge;
import io.koembed.bench.MatmulKernel;
import io.koembed.bench.Pooler;
import io.koembed.bench.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Only in builds without KoEmbed ({@code -Dbench.withoutKoembed}): the stand-in for {@code KoEmbedSide}, so that the
 * ONNX Runtime side can be exercised while koembed-core does not build. No KoEmbed rows or kernels; the Rust HF
 * tokenizers (DJL); and plain versions of what the library does for the harness: the KorSTS rows split on tabs,
 * and mean pooling. Never for results.
 */
public final class WithoutKoembed implements KoEmbedBridge {

    public WithoutKoembed() {}

    @Override
    public List<EngineSpec> engines(Path modelDir) {
        return List.of();
    }

    @Override
    public TextTokenizer tokenizer(Path modelDir) {
        try {
            int maxLength = new ObjectMapper().readTree(modelDir.resolve("sentence_bert_config.json").toFile())
                    .path("max_seq_length").asInt(512);
            return new DjlTokenizer(modelDir, maxLength);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<MatmulKernel> matmulKernels() {
        return List.of();
    }

    @Override
    public String version() {
        return "not in this build";
    }

    /** sentence1 and sentence2 (fields 6 and 7) of every line after the header. */
    @Override
    public List<String> stsSentences(Path file) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file).stream().skip(1).toList()) {
                String[] f = line.split("\t", -1);
                out.add(f[5]);
                out.add(f[6]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    @Override
    public Pooler meanPooling(int hidden) {
        return (states, length) -> {
            float[] out = new float[hidden];
            for (int t = 0; t < length; t++) {
                for (int h = 0; h < hidden; h++) {
                    out[h] += states[t * hidden + h];
                }
            }
            for (int h = 0; h < hidden; h++) {
                out[h] /= Math.max(length, 1);
            }
            return out;
        };
    }
}
