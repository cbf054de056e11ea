package io.koembed.bench.djl;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import io.koembed.bench.TextTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Only in builds without KoEmbed ({@code -Dbench.withoutKoembed}): the Rust HF tokenizers (through DJL) on the
 * model's tokenizer.json, truncated to max_seq_length, so that the ONNX Runtime side can be exercised before
 * koembed-core builds. Strips with String.strip(), which equals Python's str.strip() on KorSTS text.
 */
public final class DjlTokenizer implements TextTokenizer {

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;

    public DjlTokenizer(Path modelDir, int maxLength) {
        this.maxLength = maxLength;
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(modelDir.resolve("tokenizer.json"), Map.of(
                    "addSpecialTokens", "true", "truncation", "true", "padding", "false",
                    "maxLength", Integer.toString(maxLength)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String description() {
        return "Rust HF tokenizers via DJL (KoEmbed not in this build), truncated to " + maxLength + " tokens";
    }

    @Override
    public int[] ids(String text) {
        long[] ids = tokenizer.encode(text.strip()).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }
}
