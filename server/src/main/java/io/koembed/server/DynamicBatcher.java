package io.koembed.server;

import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import io.koembed.tokenize.common.Encoding;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.SequencedSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Merges the sequences of concurrent requests into engine batches, so that one encoder pass serves many requests.
 *
 * <p>Requests wait in a bounded queue (at most {@code maxConcurrentRequests} admitted and not yet answered; more are
 * refused with {@link ApiError.Kind#OVERLOADED}, so memory stays bounded). One thread builds each batch up to
 * {@code maxBatchTokens} tokens and runs it. When the engine is idle it waits up to {@code maxBatchWait} after the
 * oldest request arrived, so that requests sent together are encoded together; under load batches fill while the
 * previous one runs.
 *
 * <p>Fairness: each batch takes one sequence per waiting request in turn, round after round, until the token budget is
 * spent; a request that got sequences goes to the back of the line, one that did not fit stays at the front. A request
 * of 1,000 texts is thus spread over many batches, and a small request that arrives meanwhile is in one of the next
 * few batches instead of waiting for all 1,000.
 *
 * <p>Returns the embeddings as the model's modules leave them (neither truncated nor normalized on request): the
 * caller applies each request's own options.
 */
final class DynamicBatcher implements AutoCloseable {

    /** One admitted request: its sequences, where the next one to schedule is, and the results so far. */
    private static final class Job {
        final List<Encoding> sequences;
        final int[] promptLengths;
        final float[][] results;
        final CompletableFuture<float[][]> future = new CompletableFuture<>();
        final long admittedNanos = System.nanoTime();
        int next;      // first sequence not yet put in a batch
        int remaining; // sequences not yet computed

        Job(List<Encoding> sequences, int[] promptLengths) {
            this.sequences = sequences;
            this.promptLengths = promptLengths;
            this.results = new float[sequences.size()][];
            this.remaining = sequences.size();
        }
    }

    private record Slot(Job job, int index) {
        Encoding encoding() {
            return job.sequences.get(index);
        }
    }

    /** Runs one batch: the model's {@code encodeTokenized}, or in a test a wrapper that can hold a batch back. */
    @FunctionalInterface
    interface Engine {
        float[][] encode(List<Encoding> sequences, int[] promptLengths);
    }

    private final Engine engine;
    private final int maxBatchTokens;
    private final long maxBatchWaitNanos;
    private final int maxConcurrentRequests;
    private final ServerMetrics metrics;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Job> waiting = new ArrayDeque<>(); // jobs with sequences not yet in a batch
    private long waitingTokens;
    private int admitted;       // jobs taken and not yet answered
    private boolean closed;
    private final Thread thread;

    DynamicBatcher(SentenceTransformer model, int maxBatchTokens, Duration maxBatchWait, int maxConcurrentRequests,
                   ServerMetrics metrics) {
        this((sequences, promptLengths) -> model.encodeTokenized(sequences, promptLengths,
                EncodeOptions.defaults().withBatchSize(sequences.size())), maxBatchTokens, maxBatchWait,
                maxConcurrentRequests, metrics);
    }

    DynamicBatcher(Engine engine, int maxBatchTokens, Duration maxBatchWait, int maxConcurrentRequests,
                   ServerMetrics metrics) {
        this.engine = engine;
        this.maxBatchTokens = maxBatchTokens;
        this.maxBatchWaitNanos = maxBatchWait.toNanos();
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.metrics = metrics;
        this.thread = Thread.ofPlatform().name("koembed-batcher").daemon().start(this::run);
    }

    /**
     * Queues a request's sequences (each at most {@code maxBatchTokens} long).
     *
     * @return the embeddings in the order of {@code sequences}
     * @throws ApiError OVERLOADED when the queue is full, UNAVAILABLE after {@link #close()}
     */
    CompletableFuture<float[][]> submit(List<Encoding> sequences, int[] promptLengths) {
        Job job = new Job(List.copyOf(sequences), promptLengths.clone());
        lock.lock();
        try {
            if (closed) {
                throw new ApiError(ApiError.Kind.UNAVAILABLE, "the server is shutting down");
            }
            if (admitted >= maxConcurrentRequests) {
                throw new ApiError(ApiError.Kind.OVERLOADED, "Model is overloaded: " + admitted
                        + " requests are queued or running (--max-concurrent-requests " + maxConcurrentRequests
                        + "); retry later");
            }
            admitted++;
            waiting.addLast(job);
            for (Encoding e : job.sequences) {
                waitingTokens += e.length();
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return job.future;
    }

    /** Requests admitted and not yet answered (queued or in the engine). */
    int admittedRequests() {
        lock.lock();
        try {
            return admitted;
        } finally {
            lock.unlock();
        }
    }

    /** Requests with sequences still waiting for a batch. */
    int waitingRequests() {
        lock.lock();
        try {
            return waiting.size();
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new requests, finishes the admitted ones, then stops the batching thread. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        while (true) {
            List<Slot> batch = nextBatch();
            if (batch == null) {
                return;
            }
            execute(batch);
        }
    }

    /** Waits for work and takes the next batch; null once closed and drained. */
    private List<Slot> nextBatch() {
        lock.lock();
        try {
            while (waiting.isEmpty()) {
                if (closed) {
                    return null;
                }
                changed.awaitUninterruptibly();
            }
            // Give requests sent at about the same time the chance to share this pass.
            long deadline = waiting.peekFirst().admittedNanos + maxBatchWaitNanos;
            long left;
            while (!closed && waitingTokens < maxBatchTokens && (left = deadline - System.nanoTime()) > 0) {
                changed.awaitNanos(left);
            }
            return takeRoundRobin();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return takeRoundRobin();
        } finally {
            lock.unlock();
        }
    }

    /** One sequence per waiting job in turn until the token budget is spent (see the class comment). Under lock. */
    private List<Slot> takeRoundRobin() {
        List<Slot> batch = new ArrayList<>();
        Set<Job> inBatch = new HashSet<>();
        ArrayDeque<Job> unserved = new ArrayDeque<>(); // got nothing: first in line next time
        ArrayDeque<Job> served = new ArrayDeque<>();   // got sequences: back of the line
        long budget = maxBatchTokens;
        long now = System.nanoTime();
        while (!waiting.isEmpty()) {
            Job job = waiting.pollFirst();
            int length = job.sequences.get(job.next).length();
            if (length > budget && !batch.isEmpty()) {
                (inBatch.contains(job) ? served : unserved).addLast(job);
                continue;
            }
            if (job.next == 0) {
                metrics.queueTime((now - job.admittedNanos) / 1e9);
            }
            batch.add(new Slot(job, job.next++));
            inBatch.add(job);
            budget -= length;
            waitingTokens -= length;
            if (job.next < job.sequences.size()) {
                waiting.addLast(job); // its next sequence, in the next round
            }
        }
        waiting.addAll(unserved);
        waiting.addAll(served);
        return batch;
    }

    /** Runs one batch; a failure is retried request by request so that one bad request fails alone. */
    private void execute(List<Slot> batch) {
        List<Encoding> encodings = new ArrayList<>(batch.size());
        int[] promptLengths = new int[batch.size()];
        long tokens = 0;
        SequencedSet<Job> jobs = new LinkedHashSet<>();
        for (int i = 0; i < batch.size(); i++) {
            Slot s = batch.get(i);
            encodings.add(s.encoding());
            promptLengths[i] = s.job.promptLengths[s.index];
            tokens += s.encoding().length();
            jobs.add(s.job);
        }
        float[][] vectors;
        long start = System.nanoTime();
        try {
            vectors = engine.encode(encodings, promptLengths);
        } catch (RuntimeException | Error e) {
            if (jobs.size() == 1) {
                fail(jobs.getFirst(), e);
            } else {
                for (Job job : jobs) {
                    execute(batch.stream().filter(s -> s.job == job).toList());
                }
            }
            return;
        }
        metrics.batch(jobs.size(), batch.size(), tokens, (System.nanoTime() - start) / 1e9);
        for (int i = 0; i < batch.size(); i++) {
            Slot s = batch.get(i);
            s.job.results[s.index] = vectors[i];
            if (--s.job.remaining == 0) {
                finish(s.job);
                s.job.future.complete(s.job.results);
            }
        }
    }

    private void fail(Job job, Throwable e) {
        lock.lock();
        try {
            if (waiting.remove(job)) { // its other sequences need not run
                for (int i = job.next; i < job.sequences.size(); i++) {
                    waitingTokens -= job.sequences.get(i).length();
                }
            }
        } finally {
            lock.unlock();
        }
        if (!job.future.isDone()) {
            finish(job);
            job.future.completeExceptionally(e);
        }
    }

    private void finish(Job job) {
        lock.lock();
        try {
            admitted--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
