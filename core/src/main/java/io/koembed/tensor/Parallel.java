package io.koembed.tensor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The worker pool that kernels split their work across. One {@link #shared()} instance per JVM, sized to the
 * cores (system property {@code koembed.threads} overrides), so that concurrent callers share the same workers
 * instead of each starting all cores' worth of threads.
 *
 * <p>Work is split into a few contiguous chunks (not one task per row), so that each worker streams its own slice
 * of a weight matrix. The calling thread computes chunks too, beside {@code threads - 1} pool threads, and one
 * split runs at a time: concurrent callers take turns per split, so no more than {@code threads} threads compute
 * however many callers there are. A split started from inside a chunk runs on that thread, so nesting cannot
 * deadlock.
 *
 * <p>Why not a {@link java.util.concurrent.ForkJoinPool}: an encoder pass over one sentence is about a hundred
 * splits of well under a millisecond each, and a parked thread takes tens of microseconds to wake on a virtual
 * machine; with the caller waiting and two workers to wake per split, a fork/join pool spent about a third of a
 * one-sentence encode in hand-offs (bench/RESULTS.md, issue #3). So pool threads spin for {@link #SPIN_NANOS} after a split before they park,
 * as ONNX Runtime's pool does, and the caller never parks while its split runs.
 */
public final class Parallel implements AutoCloseable {

    /** Receives one chunk [from, to) of a split range. */
    @FunctionalInterface
    public interface Range {
        void run(int from, int to);
    }

    /**
     * How long an idle pool thread keeps looking for the next split before it parks: longer than the serial gaps
     * between the splits of an encoder pass, short enough that an idle process stops using CPU at once.
     */
    static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    private static final class Holder {
        static final Parallel SHARED = new Parallel(defaultThreads(), "koembed", true);
    }

    private final int threads;
    private final boolean shared;
    private final Worker[] workers;
    /** One split at a time; held by the caller while its split runs. */
    private final ReentrantLock turn = new ReentrantLock();
    /** The split the workers look at, null between splits. */
    private volatile Split current;
    private volatile boolean closed;

    /** A pool of {@code threads} threads in all, the caller included (1: everything runs on the caller). */
    public Parallel(int threads) {
        this(threads, "koembed-pool", false);
    }

    private Parallel(int threads, String name, boolean shared) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.shared = shared;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(name + "-" + (i + 1));
            workers[i].start();
        }
    }

    /** The JVM-wide pool: {@code koembed.threads} threads, default {@link Runtime#availableProcessors()}. */
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
        if (parts == 1 || workers.length == 0 || Thread.currentThread() instanceof Worker
                || turn.isHeldByCurrentThread()) {
            body.run(0, n);   // nothing to share, or a split inside a chunk: this thread does it all
            return;
        }
        if (closed) {
            throw new IllegalStateException("this pool is closed");
        }
        Split split = new Split(body, n, align, units, parts, Thread.currentThread());
        turn.lock();
        try {
            current = split;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            split.work();
            split.awaitDone();
        } finally {
            current = null;   // the split's body may hold large arrays: do not keep them reachable
            turn.unlock();
        }
        Throwable t = split.failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }

    /** {@link #forRange(int, int, int, Range)} with one chunk per thread and no alignment. */
    public void forRange(int n, Range body) {
        forRange(n, threads, 1, body);
    }

    /** One call of forRange: its chunks are taken by whichever thread comes first. */
    private static final class Split {
        private final Range body;
        private final int n, align, units, parts;
        private final Thread caller;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger unfinished;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Split(Range body, int n, int align, int units, int parts, Thread caller) {
            this.body = body;
            this.n = n;
            this.align = align;
            this.units = units;
            this.parts = parts;
            this.caller = caller;
            this.unfinished = new AtomicInteger(parts);
        }

        /** Takes and runs chunks until none is left. */
        void work() {
            for (int part; (part = next.getAndIncrement()) < parts; ) {
                int from = (int) ((long) units * part / parts) * align;
                int to = Math.min(n, (int) ((long) units * (part + 1) / parts) * align);
                try {
                    if (from < to && failure.get() == null) {
                        body.run(from, to);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (unfinished.decrementAndGet() == 0) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }

        boolean taken() {
            return next.get() >= parts;
        }

        /** Spins while the other threads finish their last chunks (they started when this thread did), then parks. */
        void awaitDone() {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (unfinished.get() > 0) {
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(String name) {
            super(name);
            setDaemon(true);
        }

        @Override
        public void run() {
            Split done = null;
            long idleSince = System.nanoTime();
            while (!closed) {
                Split s = current;
                if (s != done && s != null && !s.taken()) {
                    s.work();
                    done = s;
                    idleSince = System.nanoTime();
                } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    parked = true;
                    // look again after announcing: forRange publishes the split, then unparks those it sees parked
                    Split again = current;
                    if (again == s && !closed) {
                        LockSupport.park(this);
                    }
                    parked = false;
                    idleSince = System.nanoTime();
                }
            }
        }
    }

    /** Stops a private pool's threads; the shared pool cannot be closed. */
    @Override
    public void close() {
        if (shared) {
            throw new UnsupportedOperationException("the shared pool cannot be closed");
        }
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    @Override
    public String toString() {
        return "Parallel[" + threads + " threads]";
    }
}
