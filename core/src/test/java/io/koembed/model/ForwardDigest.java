package io.koembed.model;

import io.koembed.Fixtures;
import io.koembed.tensor.TensorOps;
import io.koembed.tokenize.common.Encoding;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Run in a separate JVM by {@link KernelSelectionTest}: prints the kernels in use and a digest of the fixture
 * model's output bits for a fixed batch.
 */
public final class ForwardDigest {
    private ForwardDigest() {}

    static final int[][] IDS = {
            {0, 1694, 888, 12, 4, 7946, 37, 45, 14, 989, 8, 4, 1313, 21, 5, 2},
            {0, 425, 197, 18, 14, 144, 8, 165, 19, 21, 5, 2},
            {0, 1, 2},
            {0, 179, 826, 16, 1073, 9, 8001, 4, 517, 5, 2}};

    static List<Encoding> batch() {
        return Arrays.stream(IDS)
                .map(ids -> new Encoding(ids, new int[ids.length], Collections.nCopies(ids.length, "")))
                .toList();
    }

    static long digest(List<float[]> states) {
        long h = 17;
        for (float[] s : states) {
            for (float v : s) {
                h = h * 31 + Float.floatToRawIntBits(v);
            }
        }
        return h;
    }

    public static void main(String[] args) {
        System.out.println("kernels=" + TensorOps.best().name());
        if (args.length > 0 && args[0].equals("forward")) {
            try (Encoder e = Encoder.load(Fixtures.model("tiny-xlmr-ko"))) {
                System.out.println("digest=" + digest(e.forward(batch())));
            }
        }
    }
}
