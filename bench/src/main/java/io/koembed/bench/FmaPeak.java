package io.koembed.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's practical float32 FMA peak as the JVM can reach it: each thread runs a loop of
 * {@link FloatVector#fma} on {@value #ACCUMULATORS} independent accumulators (enough to cover the FMA latency
 * times the FMA ports of current x86 and ARM cores) of the preferred vector width, all threads at once. One
 * FMA counts as 2 FLOP per lane.
 */
public final class FmaPeak {

    static final int ACCUMULATORS = 12;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static volatile float sink;

    private FmaPeak() {}

    public record Result(double gflops, int threads, int laneBits) {}

    /** Best of {@code trials} runs of about {@code secondsPerTrial} each, on {@code threads} threads. */
    public static Result measure(int threads, int trials, double secondsPerTrial) throws InterruptedException {
        // Warm up until C2 has compiled loop() (interpreted it is ~20x slower), i.e. until two consecutive timings
        // of the same call agree within 10 %, then size the trials from the compiled speed.
        long iters = 1 << 18;
        double perIter = Double.MAX_VALUE;
        for (int i = 0; i < 60; i++) {
            long t0 = System.nanoTime();
            sink += loop(iters);
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
            best = Math.max(best, run(threads, n));
        }
        return new Result(best, threads, S.vectorBitSize());
    }

    private static double run(int threads, long iters) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        float[] sums = new float[threads];
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
                sums[id] = loop(iters);
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
        for (float s : sums) {
            sink += s;
        }
        double flop = 2.0 * S.length() * ACCUMULATORS * iters * threads;
        return flop / elapsed;   // FLOP per ns = GFLOP/s
    }

    /** {@value #ACCUMULATORS} independent dependency chains c = c * a + b. */
    static float loop(long iters) {
        FloatVector a = FloatVector.broadcast(S, 0.999999f);
        FloatVector b = FloatVector.broadcast(S, 1e-7f);
        FloatVector c0 = FloatVector.broadcast(S, 0.1f), c1 = FloatVector.broadcast(S, 0.2f);
        FloatVector c2 = FloatVector.broadcast(S, 0.3f), c3 = FloatVector.broadcast(S, 0.4f);
        FloatVector c4 = FloatVector.broadcast(S, 0.5f), c5 = FloatVector.broadcast(S, 0.6f);
        FloatVector c6 = FloatVector.broadcast(S, 0.7f), c7 = FloatVector.broadcast(S, 0.8f);
        FloatVector c8 = FloatVector.broadcast(S, 0.9f), c9 = FloatVector.broadcast(S, 1.0f);
        FloatVector c10 = FloatVector.broadcast(S, 1.1f), c11 = FloatVector.broadcast(S, 1.2f);
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
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11);
        return s.reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
