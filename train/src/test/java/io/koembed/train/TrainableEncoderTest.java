package io.koembed.train;

import io.koembed.Fixtures;
import io.koembed.model.Encoder;
import io.koembed.model.PackedBatch;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.ParallelOps;
import io.koembed.tokenize.common.Encoding;
import io.koembed.train.TrainableEncoder.EncoderPass;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The encoder's forward pass against inference, and its backward pass against central finite differences of
 * {@link ReferenceEncoder}, a double-precision forward pass, on the fixture models.
 */
class TrainableEncoderTest {

    private static final List<String> TEXTS = List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다.",
            "한 남자가 해변에서 개를 산책시킨다.");

    private static PackedBatch batch(String fixture, TrainableEncoder encoder) {
        try (SentenceTransformer st = SentenceTransformer.load(Fixtures.model(fixture))) {
            List<Encoding> encodings = new ArrayList<>();
            for (String t : TEXTS) {
                encodings.add(st.tokenize(t));
            }
            PackedBatch b = PackedBatch.pack(encodings, encoder.config());
            if (encoder.config().typeVocabSize() > 1) {
                // as a sentence pair's second segment: the last sequence's second half has token type 1, so that
                // both rows of the type table get a gradient
                int s = b.sequences() - 1, from = (b.starts()[s] + b.starts()[s + 1]) / 2;
                Arrays.fill(b.typeIds(), from, b.starts()[s + 1], 1);
            }
            return b;
        }
    }

    @Test
    void withoutDropoutTheForwardPassIsInferences() {
        for (String fixture : List.of("tiny-xlmr-ko", "tiny-bert-ko", "tiny-roberta-ko-wp")) {
            try (TrainableEncoder encoder = TrainableEncoder.load(Fixtures.model(fixture), ParallelOps.shared());
                 Encoder inference = Encoder.load(Fixtures.model(fixture));
                 SentenceTransformer st = SentenceTransformer.load(Fixtures.model(fixture))) {
                List<Encoding> encodings = TEXTS.stream().map(st::tokenize).toList();
                float[] hidden = encoder.forward(PackedBatch.pack(encodings, encoder.config()), Dropout.OFF).hidden();
                List<float[]> expected = inference.forward(encodings);
                // the same operations on the same kernels in the same order: the same bits, not merely close
                int at = 0;
                for (float[] e : expected) {
                    assertArrayEquals(e, Arrays.copyOfRange(hidden, at, at + e.length), fixture);
                    at += e.length;
                }
                assertEquals(hidden.length, at);
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesWithoutDropout() {
        checkGradients("tiny-xlmr-ko", null, false);
    }

    @Test
    void gradientsMatchFiniteDifferencesWithTokenTypesAndBertPositions() {
        checkGradients("tiny-bert-ko", null, false);
    }

    @Test
    void gradientsMatchFiniteDifferencesWithDropout() {
        checkGradients("tiny-xlmr-ko", 7L, false);
    }

    @Test
    void gradientCheckpointingGivesTheSameGradients() {
        for (boolean dropout : new boolean[] {true, false}) { // without, the forward pass keeps no probabilities
            List<float[]> plain = gradients("tiny-xlmr-ko", false, dropout);
            List<float[]> checkpointed = gradients("tiny-xlmr-ko", true, dropout);
            for (int i = 0; i < plain.size(); i++) {
                assertArrayEquals(plain.get(i), checkpointed.get(i), "dropout " + dropout);
            }
        }
    }

    private static List<float[]> gradients(String fixture, boolean checkpointing, boolean dropout) {
        try (TrainableEncoder encoder = TrainableEncoder.load(Fixtures.model(fixture), ParallelOps.shared())) {
            encoder.setGradientCheckpointing(checkpointing);
            PackedBatch b = batch(fixture, encoder);
            EncoderPass pass = encoder.forward(b, dropout ? new Dropout(0.1f, 0.1f, new SplittableRandom(3))
                    : Dropout.OFF);
            encoder.backward(pass, weights(b.tokens() * encoder.config().hiddenSize()));
            return encoder.parameters().stream().map(p -> p.grad().clone()).toList();
        }
    }

    @Test
    void aPassAfterALargerOneGivesWhatAFreshEncoderGives() {
        // the encoder reuses its scratch arrays from step to step, at the largest size seen so far
        for (boolean checkpointing : new boolean[] {false, true}) {
            try (TrainableEncoder used = TrainableEncoder.load(Fixtures.model("tiny-xlmr-ko"), ParallelOps.shared());
                 TrainableEncoder fresh = TrainableEncoder.load(Fixtures.model("tiny-xlmr-ko"), ParallelOps.shared())) {
                used.setGradientCheckpointing(checkpointing);
                fresh.setGradientCheckpointing(checkpointing);
                PackedBatch large = batch("tiny-xlmr-ko", used);
                int H = used.config().hiddenSize();
                used.backward(used.forward(large, Dropout.OFF), weights(large.tokens() * H));
                used.parameters().forEach(Parameter::zeroGrad);
                // the first two sequences only: fewer tokens
                int t = large.starts()[2];
                PackedBatch small = new PackedBatch(Arrays.copyOf(large.ids(), t), Arrays.copyOf(large.typeIds(), t),
                        Arrays.copyOf(large.positions(), t), Arrays.copyOf(large.starts(), 3));
                for (TrainableEncoder e : List.of(used, fresh)) {
                    e.backward(e.forward(small, new Dropout(0.1f, 0.1f, new SplittableRandom(9))), weights(t * H));
                }
                for (int i = 0; i < used.parameters().size(); i++) {
                    assertArrayEquals(fresh.parameters().get(i).grad(), used.parameters().get(i).grad(),
                            used.parameters().get(i).name() + ", checkpointing " + checkpointing);
                }
            }
        }
    }

    /** The loss is Σ hidden · R for fixed random R, so dL/dHidden = R. */
    private static float[] weights(int n) {
        SplittableRandom r = new SplittableRandom(11);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) r.nextGaussian();
        }
        return w;
    }

    private static double loss(double[] hidden, float[] r) {
        double s = 0;
        for (int i = 0; i < hidden.length; i++) {
            s += hidden[i] * r[i];
        }
        return s;
    }

    /**
     * Backward on L = Σ hidden · R against (L(θ + h) - L(θ - h)) / 2h of the double reference, for a sample of every
     * parameter's entries (in the word table, entries of the rows the batch uses, and of one it does not).
     */
    private static void checkGradients(String fixture, Long dropoutSeed, boolean checkpointing) {
        try (TrainableEncoder encoder = TrainableEncoder.load(Fixtures.model(fixture), ParallelOps.shared())) {
            encoder.setGradientCheckpointing(checkpointing);
            PackedBatch b = batch(fixture, encoder);
            int H = encoder.config().hiddenSize();
            float[] r = weights(b.tokens() * H);
            Dropout dropout = dropoutSeed == null ? Dropout.OFF
                    : new Dropout(0.1f, 0.1f, new SplittableRandom(dropoutSeed));
            float hp = dropout.hidden(), ap = dropout.attention();
            EncoderPass pass = encoder.forward(b, dropout);
            ReferenceEncoder ref = new ReferenceEncoder(encoder.config(), encoder.parameters());
            double[] refHidden = ref.forward(b, hp, ap, dropoutSeed);
            for (int i = 0; i < refHidden.length; i++) {
                assertEquals(refHidden[i], pass.hidden()[i], 1e-4, "forward, element " + i);
            }
            encoder.backward(pass, r.clone());

            SplittableRandom pick = new SplittableRandom(5);
            int checked = 0;
            for (Parameter p : encoder.parameters()) {
                String name = p.name().startsWith("encoder.") || p.name().startsWith("embeddings.") ? p.name()
                        : p.name().substring(p.name().indexOf('.') + 1);
                double[] values = ref.weight(name);
                float[] grad = p.grad();
                double scale = 0; // the gradient's typical size, so that tiny entries are judged against it
                for (float g : grad) {
                    scale = Math.max(scale, Math.abs(g));
                }
                List<Integer> entries = new ArrayList<>();
                if (name.equals("embeddings.word_embeddings.weight")) {
                    for (int k = 0; k < 6; k++) {
                        entries.add(b.ids()[pick.nextInt(b.tokens())] * H + pick.nextInt(H));
                    }
                    entries.add(7000 * H + 3); // a row no token uses: zero
                } else if (name.equals("embeddings.token_type_embeddings.weight")) {
                    for (int k = 0; k < 6; k++) { // the rows the batch uses, each
                        entries.add(b.typeIds()[k % 2 == 0 ? 0 : b.tokens() - 1] * H + pick.nextInt(H));
                    }
                } else if (name.equals("embeddings.position_embeddings.weight")) {
                    for (int k = 0; k < 6; k++) {
                        entries.add(b.positions()[pick.nextInt(b.tokens())] * H + pick.nextInt(H));
                    }
                } else {
                    for (int k = 0; k < 6; k++) {
                        entries.add(pick.nextInt(values.length));
                    }
                }
                for (int e : entries) {
                    double keep = values[e], h = 1e-4;
                    values[e] = keep + h;
                    double up = loss(ref.forward(b, hp, ap, dropoutSeed), r);
                    values[e] = keep - h;
                    double down = loss(ref.forward(b, hp, ap, dropoutSeed), r);
                    values[e] = keep;
                    double numeric = (up - down) / (2 * h);
                    // a gradient that is zero in exact arithmetic (the key bias: softmax ignores what is added to
                    // all of a row's scores) is float32 rounding of sums of O(1) terms, a few 1e-6: the floor 1e-2
                    // of the scale says so
                    double tolerance = 2e-3 * Math.max(scale, 1e-2) + 1e-3 * Math.abs(numeric);
                    assertEquals(numeric, grad[e], tolerance, name + "[" + e + "]");
                    checked++;
                }
            }
            assertTrue(checked > 100, "checked " + checked);
        }
    }
}
