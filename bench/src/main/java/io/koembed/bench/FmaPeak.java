package io.koembed.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.LongToDoubleFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's practical float32 FMA peak as the JVM reaches it: each thread runs a loop of
 * {@link FloatVector#fma} on independent accumulators (dependency chains c = c * a + b) of the preferred vector
 * width, all threads at once. How many chains give the best rate depends on the core (FMA latency and ports,
 * register count, scheduler): e.g. on a Zen 1 EPYC 6 beat 12 by 35 %, so every count in {@link #COUNTS} is
 * tried and the best is reported. One FMA counts as 2 FLOP per lane.
 */
public final class FmaPeak {

    static final int[] COUNTS = {4, 6, 8, 10, 12};
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static volatile float sink;

    private FmaPeak() {}

    /** The best rate, with the accumulator count that gave it. */
    public record Result(double gflops, int threads, int laneBits, int accumulators) {}

    /**
     * Best of {@code trials} runs of about {@code secondsPerTrial} each, on {@code threads} threads, for each
     * accumulator count.
     */
    public static Result measure(int threads, int trials, double secondsPerTrial) throws InterruptedException {
        Result best = null;
        for (int count : COUNTS) {
            double g = measure(count, threads, trials, secondsPerTrial);
            if (best == null || g > best.gflops()) {
                best = new Result(g, threads, S.vectorBitSize(), count);
            }
        }
        return best;
    }

    static double measure(int accumulators, int threads, int trials, double secondsPerTrial)
            throws InterruptedException {
        LongToDoubleFunction loop = iters -> loop(accumulators, iters);
        // Warm up until C2 has compiled the loop (interpreted it is ~20x slower), i.e. until two consecutive
        // timings of the same call agree within 10 %, then size the trials from the compiled speed.
        long iters = 1 << 18;
        double perIter = Double.MAX_VALUE;
        for (int i = 0; i < 60; i++) {
            long t0 = System.nanoTime();
            sink += (float) loop.applyAsDouble(iters);
            double p = (System.nanoTime() - t0) / (double) iters;
            boolean stable = Math.abs(p - perIter) < 0.1 * perIter;
            perIter = Math.min(perIter, p);
            if (stable && i >= 10) {
                break;
            }
        }
        long n = Math.max(1 << 16, (long) (secondsPerTrial * 1e9 / perIter));
        double best = 0;
        for (int trial = 0; trial < trials; trial++) {
            best = Math.max(best, run(loop, threads, n) * 2.0 * S.length() * accumulators * n * threads);
        }
        return best;
    }

    /** Runs the loop on all threads at once; returns 1 / wall time in ns (multiply by the FLOP count). */
    private static double run(LongToDoubleFunction loop, int threads, long iters) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        double[] sums = new double[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                sums[id] = loop.applyAsDouble(iters);
            }, "fma-peak-" + t);
            workers.add(w);
            w.start();
        }
        ready.await();
        long start = System.nanoTime();
        go.countDown();
        for (Thread w : workers) {
            w.join();
        }
        long elapsed = System.nanoTime() - start;
        for (double s : sums) {
            sink += (float) s;
        }
        return 1.0 / elapsed;   // FLOP / ns = GFLOP/s
    }

    static float loop(int accumulators, long iters) {
        return switch (accumulators) {
            case 4 -> loop4(iters);
            case 6 -> loop6(iters);
            case 8 -> loop8(iters);
            case 10 -> loop10(iters);
            case 12 -> loop12(iters);
            default -> throw new IllegalArgumentException("no loop with " + accumulators + " accumulators");
        };
    }

    // One method per accumulator count, written out so that every chain lives in its own register.

    static float loop4(long iters) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 0.1f);
        FloatVector c1 = FloatVector.broadcast(S, 0.2f);
        FloatVector c2 = FloatVector.broadcast(S, 0.3f);
        FloatVector c3 = FloatVector.broadcast(S, 0.4f);
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).reduceLanes(VectorOperators.ADD);
    }

    static float loop6(long iters) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 0.1f);
        FloatVector c1 = FloatVector.broadcast(S, 0.2f);
        FloatVector c2 = FloatVector.broadcast(S, 0.3f);
        FloatVector c3 = FloatVector.broadcast(S, 0.4f);
        FloatVector c4 = FloatVector.broadcast(S, 0.5f);
        FloatVector c5 = FloatVector.broadcast(S, 0.6f);
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).reduceLanes(VectorOperators.ADD);
    }

    static float loop8(long iters) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 0.1f);
        FloatVector c1 = FloatVector.broadcast(S, 0.2f);
        FloatVector c2 = FloatVector.broadcast(S, 0.3f);
        FloatVector c3 = FloatVector.broadcast(S, 0.4f);
        FloatVector c4 = FloatVector.broadcast(S, 0.5f);
        FloatVector c5 = FloatVector.broadcast(S, 0.6f);
        FloatVector c6 = FloatVector.broadcast(S, 0.7f);
        FloatVector c7 = FloatVector.broadcast(S, 0.8f);
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).reduceLanes(VectorOperators.ADD);
    }

    static float loop10(long iters) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 0.1f);
        FloatVector c1 = FloatVector.broadcast(S, 0.2f);
        FloatVector c2 = FloatVector.broadcast(S, 0.3f);
        FloatVector c3 = FloatVector.broadcast(S, 0.4f);
        FloatVector c4 = FloatVector.broadcast(S, 0.5f);
        FloatVector c5 = FloatVector.broadcast(S, 0.6f);
        FloatVector c6 = FloatVector.broadcast(S, 0.7f);
        FloatVector c7 = FloatVector.broadcast(S, 0.8f);
        FloatVector c8 = FloatVector.broadcast(S, 0.9f);
        FloatVector c9 = FloatVector.broadcast(S, 1.0f);
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).reduceLanes(VectorOperators.ADD);
    }

    static float loop12(long iters) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 0.1f);
        FloatVector c1 = FloatVector.broadcast(S, 0.2f);
        FloatVector c2 = FloatVector.broadcast(S, 0.3f);
        FloatVector c3 = FloatVector.broadcast(S, 0.4f);
        FloatVector c4 = FloatVector.broadcast(S, 0.5f);
        FloatVector c5 = FloatVector.broadcast(S, 0.6f);
        FloatVector c6 = FloatVector.broadcast(S, 0.7f);
        FloatVector c7 = FloatVector.broadcast(S, 0.8f);
        FloatVector c8 = FloatVector.broadcast(S, 0.9f);
        FloatVector c9 = FloatVector.broadcast(S, 1.0f);
        FloatVector c10 = FloatVector.broadcast(S, 1.1f);
        FloatVector c11 = FloatVector.broadcast(S, 1.2f);
        for (long i = 0; i < iters; i++) {
            c0 = c0.fma(a, b);
            c1 = c1.fma(a, b);
            c2 = c2.fma(a, b);
            c3 = c3.fma(a, b);
            c4 = c4.fma(a, b);
            c5 = c5.fma(a, b);
            c6 = c6.fma(a, b);
            c7 = c7.fma(a, b);
            c8 = c8.fma(a, b);
            c9 = c9.fma(a, b);
            c10 = c10.fma(a, b);
            c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11).reduceLanes(VectorOperators.ADD);
    }
}
