package io.koembed.train;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tokenize.common.Encoding;
import io.koembed.weights.Checkpoint;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TorchReference} reads the PyTorch reference consistently: its pooled embeddings are what core's inference
 * computes from the same token ids (so the script's torch forward pass is ours too), every file holds what its
 * README says under the fixture's tensor names and shapes, the stored losses and embedding gradients follow from the
 * stored embeddings by hand-derived formulas, and the AdamW files agree with the schedule and with each other.
 */
class TorchReferenceFilesTest {

    private final TorchReference reference = TorchReference.load();

    @Test
    void pooledEmbeddingsAreCoreInferenceOnTheSameTokenIds() {
        for (String name : reference.lossCaseNames()) {
            TorchReference.LossCase c = reference.lossCase(name);
            try (SentenceTransformer st = SentenceTransformer.load(c.modelDir());
                 Checkpoint grads = c.gradients()) {
                for (int col = 0; col < c.batch().columns(); col++) {
                    List<Encoding> column = c.batch().column(col);
                    float[][] ours = st.encodeTokenized(column, new int[column.size()], EncodeOptions.defaults());
                    float[][] torch = TorchReference.matrix(grads, "sentence_embeddings." + col);
                    assertEquals(ours.length, torch.length, name + " column " + col);
                    for (int i = 0; i < ours.length; i++) {
                        for (int d = 0; d < ours[i].length; d++) {
                            assertEquals(torch[i][d], ours[i][d], 1e-5, name + " column " + col + " row " + i + "[" + d + "]");
                        }
                    }
                }
            }
        }
    }

    @Test
    void gradientFilesHoldEveryEncoderTensorUnderItsNameAndShape() {
        assertEquals(List.of("cosent", "cosine", "mnrl", "softmax", "cosent-bert"), reference.lossCaseNames());
        for (String name : reference.lossCaseNames()) {
            TorchReference.LossCase c = reference.lossCase(name);
            TorchReference.Batch batch = c.batch();
            assertEquals(batch.examples(), batch.labels().length, name);
            try (Checkpoint model = Checkpoint.open(c.modelDir()); Checkpoint grads = c.gradients()) {
                Set<String> expected = encoderTensorsButTheWordTable(model);
                expected.add(TorchReference.WORD_ROWS);
                for (int col = 0; col < batch.columns(); col++) {
                    expected.add("sentence_embeddings." + col);
                    expected.add("d_embeddings." + col);
                    assertArrayEquals(new long[] {batch.examples(), 64}, grads.info("d_embeddings." + col).shape());
                    assertArrayEquals(new long[] {batch.examples(), 64},
                            grads.info("sentence_embeddings." + col).shape());
                }
                if (name.equals("softmax")) {
                    expected.addAll(List.of("classifier.weight", "classifier.bias"));
                    try (Checkpoint classifier = reference.softmaxClassifier()) {
                        for (String t : classifier.names()) {
                            assertArrayEquals(classifier.info(t).shape(), grads.info(t).shape(), t);
                        }
                    }
                }
                assertEquals(expected, new TreeSet<>(grads.names()), name);
                for (String t : encoderTensorsButTheWordTable(model)) {
                    assertArrayEquals(model.info(t).shape(), grads.info(t).shape(), name + " " + t);
                }
                assertArrayEquals(tokenIds(List.of(batch)), c.wordRows(), name + ": the rows the batch uses");
                assertArrayEquals(new long[] {c.wordRows().length, 64}, grads.info(TorchReference.WORD_ROWS).shape());
            }
        }
    }

    /**
     * CosineSimilarityLoss by hand from the stored embeddings: L = mean((cos_i - label_i)²), and
     * dL/du_i = 2/n · (cos_i - label_i) · (v_i / (|u_i| |v_i|) - cos_i · u_i / |u_i|²), the same with u and v swapped.
     */
    @Test
    void cosineLossAndEmbeddingGradientsFollowFromTheStoredEmbeddings() {
        TorchReference.LossCase c = reference.lossCase("cosine");
        try (Checkpoint grads = c.gradients()) {
            float[][] u = TorchReference.matrix(grads, "sentence_embeddings.0");
            float[][] v = TorchReference.matrix(grads, "sentence_embeddings.1");
            float[][] du = TorchReference.matrix(grads, "d_embeddings.0");
            float[][] dv = TorchReference.matrix(grads, "d_embeddings.1");
            float[] labels = c.batch().labels();
            int n = labels.length;
            double loss = 0;
            for (int i = 0; i < n; i++) {
                double nu = norm(u[i]), nv = norm(v[i]), cos = dot(u[i], v[i]) / (nu * nv), err = cos - labels[i];
                loss += err * err / n;
                for (int d = 0; d < u[i].length; d++) {
                    double wantU = 2.0 / n * err * (v[i][d] / (nu * nv) - cos * u[i][d] / (nu * nu));
                    double wantV = 2.0 / n * err * (u[i][d] / (nu * nv) - cos * v[i][d] / (nv * nv));
                    assertEquals(wantU, du[i][d], 1e-6, "d_embeddings.0 row " + i + "[" + d + "]");
                    assertEquals(wantV, dv[i][d], 1e-6, "d_embeddings.1 row " + i + "[" + d + "]");
                }
            }
            assertEquals(c.loss(), loss, 1e-6);
        }
    }

    /** CoSENT by hand: log(1 + Σ over pairs with label_i > label_k of exp(20 · (cos_k - cos_i))). */
    @Test
    void coSentLossFollowsFromTheStoredEmbeddings() {
        for (String name : List.of("cosent", "cosent-bert")) {
            TorchReference.LossCase c = reference.lossCase(name);
            try (Checkpoint grads = c.gradients()) {
                float[][] u = TorchReference.matrix(grads, "sentence_embeddings.0");
                float[][] v = TorchReference.matrix(grads, "sentence_embeddings.1");
                float[] labels = c.batch().labels();
                double[] cos = new double[labels.length];
                for (int i = 0; i < cos.length; i++) {
                    cos[i] = dot(u[i], v[i]) / (norm(u[i]) * norm(v[i]));
                }
                double sum = 1;
                for (int i = 0; i < cos.length; i++) {
                    for (int k = 0; k < cos.length; k++) {
                        if (labels[i] > labels[k]) {
                            sum += Math.exp(20 * (cos[k] - cos[i]));
                        }
                    }
                }
                assertEquals(c.loss(), Math.log(sum), 1e-5 * c.loss(), name);
            }
        }
    }

    @Test
    void adamWFilesAgreeWithTheScheduleAndWithEachOther() {
        TorchReference.AdamWRun run = reference.adamW();
        assertEquals(List.of(1, 3), List.of(run.warmupSteps(), run.totalSteps()));
        // linear schedule, 1 warm-up step of 3: factors 0/1, (3-1)/2, (3-2)/2
        double[] factors = {0, 1, 0.5};
        for (TorchReference.Step s : run.steps()) {
            assertEquals(run.lr() * factors[s.number() - 1], s.lr(), 1e-15, "lr of step " + s.number());
        }
        // step 1 runs CoSENT on the cosent case's batch with the fixture's parameters
        assertEquals(reference.lossCase("cosent").loss(), run.steps().getFirst().loss(), 1e-7);
        assertArrayEquals(tokenIds(run.steps().stream().map(TorchReference.Step::batch).toList()), run.wordRows());
        try (Checkpoint initial = Checkpoint.open(run.modelDir());
             Checkpoint first = run.parametersAfterStep(1);
             Checkpoint third = run.parametersAfterStep(3);
             Checkpoint last = run.parametersAfterLastStep()) {
            Set<String> sparse = encoderTensorsButTheWordTable(initial);
            sparse.add(TorchReference.WORD_ROWS);
            assertEquals(sparse, new TreeSet<>(first.names()));
            // a rate of 0 leaves every parameter as it was, bit for bit
            for (String t : encoderTensorsButTheWordTable(initial)) {
                assertArrayEquals(initial.readFloats(t), first.readFloats(t), t);
                assertArrayEquals(last.readFloats(t), third.readFloats(t), t);
            }
            int hidden = 64;
            float[] table = initial.readFloats(TorchReference.WORD_TABLE);
            float[] after = last.readFloats(TorchReference.WORD_TABLE);
            assertArrayEquals(TorchReference.gatherRows(table, hidden, run.wordRows()),
                    first.readFloats(TorchReference.WORD_ROWS));
            assertArrayEquals(TorchReference.gatherRows(after, hidden, run.wordRows()),
                    third.readFloats(TorchReference.WORD_ROWS));
            // rows no batch uses have zero moments, so only the decoupled weight decay moves them: p *= 1 - lr·wd
            float decay2 = (float) (1 - run.steps().get(1).lr() * run.weightDecay());
            float decay3 = (float) (1 - run.steps().get(2).lr() * run.weightDecay());
            Set<Integer> used = new TreeSet<>();
            Arrays.stream(run.wordRows()).forEach(used::add);
            int moved = 0;
            for (int row = 0; row < table.length / hidden; row++) {
                for (int d = 0; d < hidden; d++) {
                    int i = row * hidden + d;
                    if (used.contains(row)) {
                        moved += after[i] != table[i] ? 1 : 0;
                    } else {
                        assertEquals(table[i] * decay2 * decay3, after[i], 0f, "word row " + row);
                    }
                }
            }
            assertTrue(moved > used.size() * hidden / 2, "the used rows moved: " + moved);
        }
    }

    /** The tensor names an encoder trains: the fixture's, without the pooler and the word table. */
    private static Set<String> encoderTensorsButTheWordTable(Checkpoint model) {
        Set<String> names = new TreeSet<>(model.names());
        names.removeIf(n -> n.startsWith("pooler.") || n.equals(TorchReference.WORD_TABLE));
        return names;
    }

    /** The distinct token ids of the batches, ascending. */
    private static int[] tokenIds(List<TorchReference.Batch> batches) {
        return batches.stream().flatMap(b -> b.rows().stream()).flatMap(List::stream).flatMapToInt(Arrays::stream)
                .distinct().sorted().toArray();
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double norm(float[] a) {
        return Math.sqrt(dot(a, a));
    }
}
