package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.koembed.Fixtures;
import io.koembed.weights.DType;
import io.koembed.weights.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dense and Normalize after Pooling, in the order modules.json lists them, on tiny-bert-ko: the pooled vectors
 * are sentence-transformers' own (embeddings.json), and what the modules make of them is computed here in double
 * precision from the Dense weights the test writes. Normalize's folder is left out, as the Hub leaves out empty
 * folders.
 */
class ModuleChainTest {
    private static final int OUT = 8;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"Dense then Normalize", "Normalize then Dense"})
    void denseWithItsActivationAndNormalizeRunInTheListedOrder(String order) throws IOException {
        Path model = Fixtures.copyModel("tiny-bert-ko", dir.resolve("tiny-bert-ko-dense"));
        int in = 64;
        Random random = new Random(5);
        float[] weight = new float[OUT * in];
        float[] bias = new float[OUT];
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian() * 0.3f;
        }
        for (int i = 0; i < OUT; i++) {
            bias[i] = (float) random.nextGaussian() * 0.1f;
        }
        Files.createDirectories(model.resolve("2_Dense"));
        Files.writeString(model.resolve("2_Dense/config.json"), "{\"in_features\": 64, \"out_features\": " + OUT
                + ", \"bias\": true, \"activation_function\": \"torch.nn.modules.activation.Tanh\"}");
        new SafetensorsWriter().add("linear.weight", DType.F32, weight, OUT, in)
                .add("linear.bias", DType.F32, bias, OUT).write(model.resolve("2_Dense/model.safetensors"));
        boolean denseFirst = order.startsWith("Dense");
        String dense = "{\"idx\": 2, \"name\": \"2\", \"path\": \"2_Dense\", \"type\": \"sentence_transformers.models.Dense\"}";
        String normalize = "{\"idx\": 3, \"name\": \"3\", \"path\": \"3_Normalize\", "
                + "\"type\": \"sentence_transformers.models.Normalize\"}";
        Files.writeString(model.resolve("modules.json"), "[{\"idx\": 0, \"name\": \"0\", \"path\": \"\", "
                + "\"type\": \"sentence_transformers.models.Transformer\"}, {\"idx\": 1, \"name\": \"1\", "
                + "\"path\": \"1_Pooling\", \"type\": \"sentence_transformers.models.Pooling\"}, "
                + (denseFirst ? dense + ", " + normalize : normalize + ", " + dense) + "]");

        JsonNode items = new ObjectMapper().readTree(Fixtures.expected("tiny-bert-ko").resolve("embeddings.json")
                .toFile()).get("items");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            texts.add(items.get(i).get("text").asText());
        }
        try (SentenceTransformer st = SentenceTransformer.load(model)) {
            assertEquals(OUT, st.dimension());
            float[][] ours = st.encode(texts);
            for (int t = 0; t < texts.size(); t++) {
                double[] v = doubles(SentenceTransformerParityTest.floats(items.get(t).get("embedding")));
                v = denseFirst ? unit(dense(v, weight, bias)) : dense(unit(v), weight, bias);
                for (int d = 0; d < OUT; d++) {
                    assertEquals(v[d], ours[t][d], 1e-4, "text " + t + " dim " + d);
                }
            }
        }
    }

    private static double[] doubles(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /** tanh(W x + b), W stored [out, in]. */
    private static double[] dense(double[] x, float[] w, float[] b) {
        double[] y = new double[b.length];
        for (int o = 0; o < y.length; o++) {
            double s = b[o];
            for (int i = 0; i < x.length; i++) {
                s += w[o * x.length + i] * x[i];
            }
            y[o] = Math.tanh(s);
        }
        return y;
    }

    private static double[] unit(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] / norm;
        }
        return out;
    }
}
