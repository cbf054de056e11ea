package io.koembed.integration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * What the adapters' tests compare with (shared through this module's test-jar): what sentence-transformers 3.0.1
 * computed for the fixture model tiny-xlmr-ko (testdata/fixtures/tiny-xlmr-ko-expected) on 290 KorSTS dev
 * sentences and three texts longer than the model's 128 tokens, each with its embedding (no prompt, not
 * normalized) and the number of tokens encode read; and an exact cosine search to check retrieval against.
 *
 * @param texts      the KorSTS sentences, then the three long texts
 * @param embeddings sentence-transformers' embedding of each text
 * @param tokens     the length of each text's input ids inside encode (special tokens included, truncated)
 */
public record Reference(List<String> texts, List<float[]> embeddings, List<Integer> tokens) {

    public static final String MODEL = "tiny-xlmr-ko";

    /** The fixture model's directory. */
    public static Path modelDir() {
        return Fixtures.model(MODEL);
    }

    public static Reference load() {
        try {
            ObjectMapper json = new ObjectMapper();
            JsonNode embedded = json.readTree(Fixtures.expected(MODEL).resolve("embeddings.json").toFile());
            JsonNode tokenized = json.readTree(Fixtures.expected(MODEL).resolve("tokenization.json").toFile());
            Map<String, Integer> tokensById = new HashMap<>();
            for (JsonNode item : tokenized.get("items")) {
                tokensById.put(item.get("id").asText(), item.get("st_input_ids").size());
            }
            List<String> texts = new ArrayList<>();
            List<float[]> embeddings = new ArrayList<>();
            List<Integer> tokens = new ArrayList<>();
            for (JsonNode item : embedded.get("items")) {
                String id = item.get("id").asText();
                if (id.startsWith("korsts-dev-") || id.startsWith("hc-long_")) {
                    texts.add(item.get("text").asText());
                    JsonNode e = item.get("embedding");
                    float[] v = new float[e.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) e.get(i).asDouble();
                    }
                    embeddings.add(v);
                    tokens.add(tokensById.get(id));
                }
            }
            return new Reference(texts, embeddings, tokens);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The KorSTS sentences only (the long texts left out). */
    public List<String> sentences() {
        return texts.stream().filter(t -> t.length() < 200).toList();
    }

    public int totalTokens() {
        return tokens.stream().mapToInt(Integer::intValue).sum();
    }

    /** One hit of {@link #exactSearch}: the passage's index and its cosine to the query. */
    public record Hit(int index, double cosine) {}

    /** The {@code k} passages of highest cosine to each query, best first: every pair computed, in double. */
    public static List<List<Hit>> exactSearch(float[][] queries, float[][] passages, int k) {
        List<List<Hit>> all = new ArrayList<>();
        for (float[] q : queries) {
            all.add(IntStream.range(0, passages.length)
                    .mapToObj(i -> new Hit(i, cosine(q, passages[i])))
                    .sorted(Comparator.comparingDouble(Hit::cosine).reversed())
                    .limit(k)
                    .toList());
        }
        return all;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
