package io.koembed.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * reference.json from bench/scripts/make_model.py: fixed token-id sequences and the mean-pooled embeddings the
 * torch module computed for each of them alone.
 */
public record Reference(List<int[]> inputIds, float[][] embeddings) {

    public static Reference read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<int[]> ids = new ArrayList<>();
        List<float[]> emb = new ArrayList<>();
        for (JsonNode item : root.path("items")) {
            JsonNode i = item.path("input_ids");
            int[] s = new int[i.size()];
            for (int k = 0; k < s.length; k++) {
                s[k] = i.get(k).asInt();
            }
            JsonNode e = item.path("embedding");
            float[] v = new float[e.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) e.get(k).asDouble();
            }
            ids.add(s);
            emb.add(v);
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException(file + ": no items");
        }
        return new Reference(ids, emb.toArray(new float[0][]));
    }

    /** The longest sequence, in tokens. */
    public int maxLength() {
        return inputIds.stream().mapToInt(a -> a.length).max().orElse(0);
    }
}
