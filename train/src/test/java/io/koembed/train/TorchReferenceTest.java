package io.koembed.train;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.Fixtures;
import io.koembed.JsonFiles;
import io.koembed.model.PackedBatch;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.ParallelOps;
import io.koembed.tokenize.common.Encoding;
import io.koembed.weights.Safetensors;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole model's gradients and the first optimizer steps against PyTorch's autograd and torch.optim.AdamW, as
 * {@code train/src/test/python/torch_reference.py} computed them for the tiny fixture (its README says how; dropout
 * off). Tolerances: gradients within 2e-4 of the largest gradient of the same tensor plus 1e-3 relative, parameters
 * after three steps within 2e-6 (the updates are about 1e-3; the key biases see {@code threeAdamWStepsArePyTorchs}).
 */
class TorchReferenceTest {

    private static final Path DIR = Path.of("src/test/resources/torch-reference");

    private static JsonNode reference() {
        return JsonFiles.readObject(DIR.resolve("reference.json"));
    }

    /** One loss's value and every gradient on the reference's batch. */
    private static void compareGradients(String lossName, Loss loss) {
        JsonNode r = reference().get("losses").get(lossName);
        try (TrainableEncoder encoder = TrainableEncoder.load(Fixtures.model("tiny-xlmr-ko"), ParallelOps.shared());
             SentenceTransformer st = SentenceTransformer.load(Fixtures.model("tiny-xlmr-ko"));
             Safetensors expected = Safetensors.open(DIR.resolve("grads-" + lossName + ".safetensors"))) {
            TrainableHead head = TrainableHead.of(st);
            List<List<int[]>> rows = rows(r.get("rows"));
            float[] labels = floats(r.get("labels"));
            Step step = step(encoder, head, loss, rows, labels);
            assertEquals(r.get("loss").asDouble(), step.loss, 1e-5 * Math.abs(r.get("loss").asDouble()), lossName);
            for (int c = 0; c < step.dEmbeddings.length; c++) {
                float[] want = expected.readFloats("d_embeddings." + c);
                float[] got = flatten(step.dEmbeddings[c]);
                assertClose(want, got, lossName + " d_embeddings." + c, 1e-4);
            }
            int compared = 0;
            for (Parameter p : encoder.parameters()) {
                if (p.name().equals("embeddings.word_embeddings.weight")) {
                    JsonNode used = r.get("word_rows");
                    float[] want = expected.readFloats("word_rows");
                    int h = encoder.config().hiddenSize();
                    float[] got = new float[want.length];
                    for (int i = 0; i < used.size(); i++) {
                        System.arraycopy(p.grad(), used.get(i).asInt() * h, got, i * h, h);
                    }
                    assertClose(want, got, lossName + " " + p.name(), 2e-4);
                } else {
                    assertClose(expected.readFloats(p.name()), p.grad(), lossName + " " + p.name(), 2e-4);
                }
                compared++;
            }
            assertEquals(encoder.parameters().size(), compared);
        }
    }

    @Test
    void coSentGradientsArePyTorchs() {
        compareGradients("cosent", new CoSENTLoss());
    }

    @Test
    void cosineSimilarityGradientsArePyTorchs() {
        compareGradients("cosine", new CosineSimilarityLoss());
    }

    @Test
    void multipleNegativesRankingGradientsArePyTorchs() {
        compareGradients("mnrl", new MultipleNegativesRankingLoss());
    }

    @Test
    void softmaxGradientsArePyTorchs() {
        try (Safetensors classifier = Safetensors.open(DIR.resolve("softmax-classifier.safetensors"))) {
            compareGradients("softmax", new SoftmaxLoss(64, classifier.readFloats("classifier.weight"),
                    classifier.readFloats("classifier.bias")));
        }
    }

    /**
     * Three steps of CoSENT with gradient clipping, AdamW (weight decay 0.01 but on biases and LayerNorm) and the
     * linear schedule with one warm-up step, as transformers' Trainer runs them: every parameter after the third.
     */
    @Test
    void threeAdamWStepsArePyTorchs() {
        JsonNode a = reference().get("adamw");
        try (TrainableEncoder encoder = TrainableEncoder.load(Fixtures.model("tiny-xlmr-ko"), ParallelOps.shared());
             SentenceTransformer st = SentenceTransformer.load(Fixtures.model("tiny-xlmr-ko"));
             Safetensors expected = Safetensors.open(DIR.resolve("adamw-after-3-steps.safetensors"))) {
            TrainableHead head = TrainableHead.of(st);
            AdamW optimizer = new AdamW(encoder.parameters(), 0.9, 0.999, 1e-8, a.get("weight_decay").asDouble());
            LinearSchedule schedule = new LinearSchedule(a.get("warmup_steps").asInt(), a.get("total_steps").asInt());
            int s = 0;
            for (JsonNode want : a.get("steps")) {
                Step step = step(encoder, head, new CoSENTLoss(), rows(want.get("rows")), floats(want.get("labels")));
                assertEquals(want.get("loss").asDouble(), step.loss, 1e-5, "loss of step " + (s + 1));
                double norm = GradientClipping.clipGlobalNorm(encoder.parameters(), a.get("max_grad_norm").asDouble());
                assertEquals(want.get("grad_norm").asDouble(), norm, 1e-4 * norm, "gradient norm of step " + (s + 1));
                double lr = a.get("lr").asDouble() * schedule.factor(s);
                assertEquals(want.get("lr").asDouble(), lr, 1e-12);
                optimizer.step(lr);
                encoder.parameters().forEach(Parameter::zeroGrad);
                encoder.parametersChanged();
                s++;
            }
            for (Parameter p : encoder.parameters()) {
                float[] want = expected.readFloats(p.name());
                // The key biases' gradients are rounding noise on both sides (zero in exact arithmetic), and Adam
                // turns noise into steps of about the learning rate: they can only be held to that bound.
                double tolerance = p.name().endsWith("attention.self.key.bias") ? 2 * a.get("lr").asDouble() : 2e-6;
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], p.value()[i], tolerance, p.name() + "[" + i + "]");
                }
            }
        }
    }

    private record Step(double loss, float[][][] dEmbeddings) {
    }

    /** Forward, loss and backward of one batch as the Trainer runs it, dropout off. */
    private static Step step(TrainableEncoder encoder, TrainableHead head, Loss loss, List<List<int[]>> rows,
                             float[] labels) {
        int n = rows.size(), columns = rows.get(0).size();
        List<Encoding> encodings = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            for (List<int[]> row : rows) {
                int[] ids = row.get(c);
                encodings.add(new Encoding(ids, new int[ids.length], Collections.nCopies(ids.length, "")));
            }
        }
        PackedBatch batch = PackedBatch.pack(encodings, encoder.config());
        TrainableEncoder.EncoderPass pass = encoder.forward(batch, Dropout.OFF);
        TrainableHead.HeadPass hp = head.forward(pass.hidden(), encoder.config().hiddenSize(), batch.starts(),
                new int[n * columns]);
        float[][][] emb = new float[columns][n][], grads = new float[columns][n][];
        for (int c = 0; c < columns; c++) {
            for (int i = 0; i < n; i++) {
                emb[c][i] = hp.embeddings()[c * n + i];
                grads[c][i] = new float[emb[c][i].length];
            }
        }
        double value = loss.forwardBackward(emb, labels, grads);
        float[][] flat = new float[n * columns][];
        for (int c = 0; c < columns; c++) {
            for (int i = 0; i < n; i++) {
                flat[c * n + i] = grads[c][i];
            }
        }
        encoder.backward(pass, head.backward(hp, flat));
        return new Step(value, grads);
    }

    private static List<List<int[]>> rows(JsonNode json) {
        List<List<int[]>> rows = new ArrayList<>();
        for (JsonNode row : json) {
            List<int[]> texts = new ArrayList<>();
            for (JsonNode ids : row) {
                int[] a = new int[ids.size()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = ids.get(i).asInt();
                }
                texts.add(a);
            }
            rows.add(texts);
        }
        return rows;
    }

    private static float[] floats(JsonNode json) {
        float[] a = new float[json.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) json.get(i).asDouble();
        }
        return a;
    }

    private static float[] flatten(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[0].length);
        }
        return out;
    }

    /** Within {@code relative} of the tensor's largest entry, plus 1e-3 of each entry. */
    private static void assertClose(float[] want, float[] got, String what, double relative) {
        assertEquals(want.length, got.length, what + ": size");
        double max = 0;
        for (float v : want) {
            max = Math.max(max, Math.abs(v));
        }
        assertTrue(max > 0 || what.contains("token_type"), what + ": the reference gradient is all zero");
        for (int i = 0; i < want.length; i++) {
            // 1e-6 absolute: the key biases' gradients are zero in exact arithmetic (softmax does not change when
            // every score of a query moves alike), so both sides hold only rounding noise, about 1e-8
            assertEquals(want[i], got[i], relative * max + 1e-3 * Math.abs(want[i]) + 1e-6, what + "[" + i + "]");
        }
    }
}
