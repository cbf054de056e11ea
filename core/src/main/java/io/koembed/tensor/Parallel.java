package io.koembed.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The worker pool that kernels split their work across. One {@link #shared()} instance per JVM, sized to the
 * cores (system property {@code koembed.threads} overrides), so that concurrent callers share the same workers
 * instead of each starting all cores' worth of threads. The calling thread waits while the workers compute.
 *
 * <p>Work is split into a few contiguous chunks (not one task per row), so that each worker streams its own slice
 * of a weight matrix. Calls from inside the pool run fork/join style, so nesting cannot deadlock.
 */
public final class Parallel implements AutoCloseable {

    /** Receives one chunk [from, to) of a split range. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    private static final class Holder {
        static final Parallel SHARED = new Parallel(defaultThreads(), "koembed", true);
    }

    private final int threads;
    private final ForkJoinPool pool; // null when threads == 1
    private final boolean shared;

    /** A pool of {@code threads} workers (1: everything runs on the caller). Close it when done. */
    public Parallel(int threads) {
        this(threads, "koembed-pool", false);
    }

    private Parallel(int threads, String name, boolean shared) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.shared = shared;
        if (threads == 1) {
            this.pool = null;
        } else {
            AtomicInteger count = new AtomicInteger();
            this.pool = new ForkJoinPool(threads, p -> {
                ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                t.setName(name + "-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            }, null, false);
        }
    }

    /** The JVM-wide pool: {@code koembed.threads} workers, default {@link Runtime#availableProcessors()}. */
    public static Parallel shared() {
        return Holder.SHARED;
    }

    static int defaultThreads() {
        String p = System.getProperty("koembed.threads");
        if (p != null && !p.isBlank()) {
            try {
                int n = Integer.parseInt(p.strip());
                if (n >= 1) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the warning
            }
            System.getLogger("io.koembed.tensor").log(System.Logger.Level.WARNING,
                    "ignoring koembed.threads=" + p + " (must be a positive integer)");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    public int threads() {
        return threads;
    }

    /**
     * Splits [0, n) into {@code chunks} contiguous near-equal pieces (fewer if n is smaller; each a multiple of
     * {@code align} except the last) and runs {@code body} on each, in parallel, returning when all are done.
     * An exception from any chunk is rethrown.
     */
    public void forRange(int n, int chunks, int align, Range body) {
        if (n <= 0) {
            return;
        }
        int units = (n + align - 1) / align;
        int parts = Math.max(1, Math.min(chunks, units));
        if (parts == 1 || pool == null) {
            body.run(0, n);
            return;
        }
        Chunks task = new Chunks(body, n, align, units, parts, 0, parts);
        if (ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool) {
            task.invoke();
        } else {
            pool.invoke(task);
        }
    }

    /** {@link #forRange(int, int, int, Range)} with one chunk per thread and no alignment. */
    public void forRange(int n, Range body) {
        forRange(n, threads, 1, body);
    }

    private static final class Chunks extends RecursiveAction {
        private final Range body;
        private final int n, align, units, parts, lo, hi;

        Chunks(Range body, int n, int align, int units, int parts, int lo, int hi) {
            this.body = body;
            this.n = n;
            this.align = align;
            this.units = units;
            this.parts = parts;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) units * lo / parts) * align;
                int to = Math.min(n, (int) ((long) units * (lo + 1) / parts) * align);
                if (from < to) {
                    body.run(from, to);
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Chunks(body, n, align, units, parts, lo, mid),
                    new Chunks(body, n, align, units, parts, mid, hi));
        }
    }

    /** Shuts a private pool down; the shared pool cannot be closed. */
    @Override
    public void close() {
        if (shared) {
            throw new UnsupportedOperationException("the shared pool cannot be closed");
        }
        if (pool != null) {
            pool.shutdown();
        }
    }

    @Override
    public String toString() {
        return "Parallel[" + threads + " threads]";
    }
}
