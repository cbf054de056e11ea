package io.koembed.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What sentence-transformers 3.0.1 computed for the fixture model tiny-xlmr-ko
 * (testdata/fixtures/tiny-xlmr-ko-expected): 290 KorSTS dev sentences and three texts longer than the model's
 * 128 tokens, each with its embedding (no prompt, not normalized) and the number of tokens encode read.
 */
record Reference(List<String> texts, List<float[]> embeddings, List<Integer> tokens) {

    static final String MODEL = "tiny-xlmr-ko";

    static Reference load() {
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

    /** The KorSTS sentences only. */
    List<String> sentences() {
        return texts.stream().filter(t -> t.length() < 200).toList();
    }
}
