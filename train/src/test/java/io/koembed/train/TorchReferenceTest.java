package io.koembed.train;

import io.koembed.model.PackedBatch;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.ParallelOps;
import io.koembed.weights.Checkpoint;

import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole model's gradients and the first optimizer steps against PyTorch's autograd and torch.optim.AdamW, as
 * {@code train/src/test/python/torch_reference.py} computed them for the tiny fixtures (see {@link TorchReference};
 * dropout off). Tolerances: gradients within 2e-4 of the largest gradient of the same tensor plus 1e-3 relative
 * (torch's own float32 gradients are within 1e-5 of float64 by that measure), parameters after each step within 2e-6
 * (the updates are about 1e-3; the key biases see {@code threeAdamWStepsArePyTorchs}).
 */
class TorchReferenceTest {

    private final TorchReference reference = TorchReference.load();

    /** One loss's value and every gradient (the loss's own parameters' too) on the reference's batch. */
    private void compareGradients(String caseName, Loss loss) {
        TorchReference.LossCase c = reference.lossCase(caseName);
        try (TrainableEncoder encoder = TrainableEncoder.load(c.modelDir(), ParallelOps.shared());
             SentenceTransformer st = SentenceTransformer.load(c.modelDir());
             Checkpoint expected = c.gradients()) {
            TrainableHead head = TrainableHead.of(st);
            Step step = step(encoder, head, loss, c.batch());
            assertEquals(c.loss(), step.loss, 1e-5 * Math.abs(c.loss()), caseName);
            for (int col = 0; col < step.dEmbeddings.length; col++) {
                float[] want = expected.readFloats("d_embeddings." + col);
                float[] got = flatten(step.dEmbeddings[col]);
                assertClose(want, got, caseName + " d_embeddings." + col, 1e-4);
            }
            int compared = 0;
            for (Parameter p : encoder.parameters()) {
                if (p.name().equals(TorchReference.WORD_TABLE)) {
                    assertClose(expected.readFloats(TorchReference.WORD_ROWS),
                            TorchReference.gatherRows(p.grad(), encoder.config().hiddenSize(), c.wordRows()),
                            caseName + " " + p.name(), 2e-4);
                } else {
                    assertClose(expected.readFloats(p.name()), p.grad(), caseName + " " + p.name(), 2e-4);
                }
                compared++;
            }
            assertEquals(encoder.parameters().size(), compared);
            for (Parameter p : loss.parameters()) {
                assertClose(expected.readFloats(p.name()), p.grad(), caseName + " " + p.name(), 2e-4);
            }
        }
    }

    @Test
    void coSentGradientsArePyTorchs() {
        compareGradients("cosent", new CoSENTLoss());
    }

    @Test
    void coSentGradientsOfABertModelArePyTorchs() {
        compareGradients("cosent-bert", new CoSENTLoss());
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
        try (Checkpoint classifier = reference.softmaxClassifier()) {
            compareGradients("softmax", new SoftmaxLoss(64, classifier.readFloats("classifier.weight"),
                    classifier.readFloats("classifier.bias")));
        }
    }

    /**
     * Three steps of CoSENT with gradient clipping, AdamW (weight decay 0.01 but on biases and LayerNorm) and the
     * linear schedule with one warm-up step, as transformers' Trainer runs them: every parameter after each step.
     */
    @Test
    void threeAdamWStepsArePyTorchs() {
        TorchReference.AdamWRun run = reference.adamW();
        try (TrainableEncoder encoder = TrainableEncoder.load(run.modelDir(), ParallelOps.shared());
             SentenceTransformer st = SentenceTransformer.load(run.modelDir());
             Checkpoint last = run.parametersAfterLastStep()) {
            TrainableHead head = TrainableHead.of(st);
            AdamW optimizer = new AdamW(encoder.parameters(), run.beta1(), run.beta2(), run.eps(), run.weightDecay());
            LinearSchedule schedule = new LinearSchedule(run.warmupSteps(), run.totalSteps());
            int hidden = encoder.config().hiddenSize();
            for (TorchReference.Step want : run.steps()) {
                int s = want.number();
                Step step = step(encoder, head, new CoSENTLoss(), want.batch());
                assertEquals(want.loss(), step.loss, 1e-5, "loss of step " + s);
                double norm = GradientClipping.clipGlobalNorm(encoder.parameters(), run.maxGradNorm());
                assertEquals(want.gradNorm(), norm, 1e-4 * norm, "gradient norm of step " + s);
                double lr = run.lr() * schedule.factor(s - 1);
                assertEquals(want.lr(), lr, 1e-12);
                optimizer.step(lr);
                encoder.parameters().forEach(Parameter::zeroGrad);
                encoder.parametersChanged();
                try (Checkpoint after = run.parametersAfterStep(s)) {
                    for (Parameter p : encoder.parameters()) {
                        boolean words = p.name().equals(TorchReference.WORD_TABLE);
                        float[] got = words ? TorchReference.gatherRows(p.value(), hidden, run.wordRows()) : p.value();
                        assertParameter(after.readFloats(words ? TorchReference.WORD_ROWS : p.name()), got,
                                p.name() + " after step " + s, run.lr());
                    }
                }
            }
            for (Parameter p : encoder.parameters()) {
                assertParameter(last.readFloats(p.name()), p.value(), p.name() + " after the last step", run.lr());
            }
        }
    }

    private static void assertParameter(float[] want, float[] got, String what, double lr) {
        // The key biases' gradients are rounding noise on both sides (zero in exact arithmetic), and Adam turns noise
        // into steps of about the learning rate: they can only be held to that bound.
        double tolerance = what.contains("attention.self.key.bias") ? 2 * lr : 2e-6;
        assertEquals(want.length, got.length, what + ": size");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tolerance, what + "[" + i + "]");
        }
    }

    private record Step(double loss, float[][][] dEmbeddings) {
    }

    /** Forward, loss and backward of one batch as the Trainer runs it, dropout off. */
    private static Step step(TrainableEncoder encoder, TrainableHead head, Loss loss, TorchReference.Batch b) {
        int n = b.examples(), columns = b.columns();
        PackedBatch batch = PackedBatch.pack(b.columnMajor(), encoder.config());
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
        double value = loss.forwardBackward(emb, b.labels(), grads);
        float[][] flat = new float[n * columns][];
        for (int c = 0; c < columns; c++) {
            for (int i = 0; i < n; i++) {
                flat[c * n + i] = grads[c][i];
            }
        }
        encoder.backward(pass, head.backward(hp, flat));
        return new Step(value, grads);
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
        assertTrue(max > 0, what + ": the reference gradient is all zero");
        for (int i = 0; i < want.length; i++) {
            // 1e-6 absolute: the key biases' gradients are zero in exact arithmetic (softmax does not change when
            // every score of a query moves alike), so both sides hold only rounding noise, about 1e-8
            assertEquals(want[i], got[i], relative * max + 1e-3 * Math.abs(want[i]) + 1e-6, what + "[" + i + "]");
        }
    }
}
