package io.koembed.train;

import io.koembed.model.PackedBatch;
import io.koembed.st.SentenceTransformer;
import io.koembed.tensor.ParallelOps;
import io.koembed.tokenize.common.Encoding;
import io.koembed.train.TrainableEncoder.EncoderPass;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Not a test: a measurement. The encoder's training speed and the memory its forward pass keeps, on a model
 * directory, for a batch of the first KorSTS dev pairs, each pair's two sentences one text:
 * {@code TrainingSpeed MODEL_DIR [SEQUENCES] [STEPS] [checkpointing]} (run from the repository's root). A step is
 * forward with the config's dropout, backward, and the repacking that follows an optimizer step. CPU seconds are the
 * whole process's (all pool threads), which a loaded machine does not inflate as it does wall time.
 */
public final class TrainingSpeed {

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int sequences = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        boolean checkpointing = args.length > 3 && args[3].equals("checkpointing");
        List<String> texts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("data/korsts/sts-dev.tsv")).subList(1, 1 + sequences)) {
            String[] f = line.split("\t");
            texts.add(f[5] + " " + f[6]); // both sentences of a pair: some 25 tokens
        }
        TrainableEncoder encoder = TrainableEncoder.load(model, ParallelOps.shared());
        encoder.setGradientCheckpointing(checkpointing);
        List<Encoding> encodings = new ArrayList<>();
        try (SentenceTransformer st = SentenceTransformer.load(model)) {
            for (String t : texts) {
                encodings.add(st.tokenize(t));
            }
        }
        PackedBatch batch = PackedBatch.pack(encodings, encoder.config());
        int H = encoder.config().hiddenSize();
        Dropout dropout = Dropout.fromConfig(encoder.configFile(), 1);
        float[] dHidden = new float[batch.tokens() * H];
        SplittableRandom r = new SplittableRandom(2);
        System.out.printf("%s, %d sequences, %d tokens, checkpointing %s%n", encoder, sequences, batch.tokens(),
                checkpointing);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Runtime rt = Runtime.getRuntime();
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < dHidden.length; i++) {
                dHidden[i] = (float) r.nextGaussian() * 1e-3f;
            }
            long a0 = threads.getTotalThreadAllocatedBytes(), c0 = os.getProcessCpuTime(), t0 = System.nanoTime();
            EncoderPass pass = encoder.forward(batch, dropout);
            long t1 = System.nanoTime();
            encoder.backward(pass, dHidden);
            encoder.parametersChanged();
            encoder.forward(new PackedBatch(new int[] {0}, new int[] {0}, new int[] {2}, new int[] {0, 1}),
                    Dropout.OFF); // the repacking, and a one-token pass
            long t2 = System.nanoTime(), c1 = os.getProcessCpuTime(), a1 = threads.getTotalThreadAllocatedBytes();
            System.gc();
            long base = rt.totalMemory() - rt.freeMemory();
            pass = encoder.forward(batch, dropout);
            System.gc();
            long heap = rt.totalMemory() - rt.freeMemory() - base;
            System.out.printf("step %d: %.0f ms (forward %.0f), %.2f steps/s, %.1f CPU s/step, %.0f MB allocated; pass "
                            + "keeps %.1f KB/token (heap in use %.1f KB/token), scratch %.1f KB/token%n", s, (t2 - t0) / 1e6, (t1 - t0) / 1e6,
                    1e9 / (t2 - t0), (c1 - c0) / 1e9, (a1 - a0) / 1e6, pass.keptBytes() / 1024.0 / batch.tokens(),
                    heap / 1024.0 / batch.tokens(), encoder.scratchBytes() / 1024.0 / batch.tokens());
        }
    }
}
