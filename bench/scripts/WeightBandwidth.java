import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How fast this machine reads a base model's float32 Linear weights (12 layers of 768x2304, 768x768, 768x3072 and
 * 3072x768 floats, 340 MB on the heap): every thread sums its share of every matrix with vector loads, as a
 * one-sentence encoder pass must read them all. The time per pass is the floor of a batch-1 pass in float32 that
 * memory sets. Prints 15 passes.
 *
 *   java --add-modules jdk.incubator.vector bench/scripts/WeightBandwidth.java [THREADS]   (default: the cores)
 */
public class WeightBandwidth {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    public static void main(String[] args) throws InterruptedException {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        float[][] weights = new float[48][];
        long bytes = 0;
        for (int i = 0; i < weights.length; i++) {
            int[] rows = {2304, 768, 3072, 768};
            int[] cols = {768, 768, 768, 3072};
            weights[i] = new float[rows[i % 4] * cols[i % 4]];
            Arrays.fill(weights[i], 1e-3f);
            bytes += 4L * weights[i].length;
        }
        System.out.printf("%d threads, %d-bit vectors, %.1f MB of weights%n", threads, S.vectorBitSize(), bytes / 1e6);
        for (int pass = 0; pass < 15; pass++) {
            float[] sums = new float[threads];
            Thread[] workers = new Thread[threads];
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers[t] = Thread.ofPlatform().start(() -> sums[id] = sumShare(weights, id, threads));
            }
            for (Thread w : workers) {
                w.join();
            }
            double s = (System.nanoTime() - t0) / 1e9;
            float total = 0;
            for (float x : sums) {
                total += x;
            }
            System.out.printf("pass %2d: %.2f ms, %.1f GB/s (sum %.0f)%n", pass, s * 1e3, bytes / s / 1e9, total);
        }
    }

    /** Thread {@code id}'s share of every matrix (a contiguous slice of each, whole vectors), summed. */
    private static float sumShare(float[][] weights, int id, int threads) {
        FloatVector acc = FloatVector.zero(S);
        for (float[] w : weights) {
            int share = w.length / threads / S.length() * S.length();
            for (int i = id * share, end = i + share; i < end; i += S.length()) {
                acc = FloatVector.fromArray(S, w, i).add(acc); // loop vector as argument (see PanamaTensorOps)
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }
}
