package io.koembed.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParallelTest {

    @Test
    void everyIndexExactlyOnceInAlignedChunks() {
        try (Parallel p = new Parallel(4)) {
            for (int n : new int[]{1, 7, 8, 9, 63, 64, 100, 768, 1001}) {
                for (int chunks : new int[]{1, 2, 3, 4, 16}) {
                    for (int align : new int[]{1, 4, 8}) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(n);
                        Set<String> threads = ConcurrentHashMap.newKeySet();
                        p.forRange(n, chunks, align, (from, to) -> {
                            assertEquals(0, from % align, "chunk start must be aligned");
                            threads.add(Thread.currentThread().getName());
                            for (int i = from; i < to; i++) {
                                seen.incrementAndGet(i);
                            }
                        });
                        for (int i = 0; i < n; i++) {
                            assertEquals(1, seen.get(i), "n=" + n + " chunks=" + chunks + " index " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void usesSeveralWorkersAndNests() {
        try (Parallel p = new Parallel(2)) {
            Set<String> threads = ConcurrentHashMap.newKeySet();
            AtomicIntegerArray seen = new AtomicIntegerArray(16);
            p.forRange(4, 4, 1, (a, b) -> {
                threads.add(Thread.currentThread().getName());
                // nested use from a worker must not deadlock
                p.forRange(4, 4, 1, (c, d) -> {
                    for (int i = c; i < d; i++) {
                        seen.incrementAndGet(a * 4 + i);
                    }
                });
                sleep();
            });
            for (int i = 0; i < 16; i++) {
                assertEquals(1, seen.get(i));
            }
            assertTrue(threads.size() >= 2, "work ran on " + threads);
        }
    }

    @Test
    void concurrentCallersNeverRunMoreChunksAtOnceThanThreads() throws Exception {
        try (Parallel p = new Parallel(2)) {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            AtomicInteger wrong = new AtomicInteger();
            List<Thread> callers = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                // a virtual thread among them: the server's callers are
                callers.add((c == 0 ? Thread.ofVirtual() : Thread.ofPlatform()).start(() -> {
                    for (int call = 0; call < 200; call++) {
                        AtomicIntegerArray seen = new AtomicIntegerArray(37);
                        p.forRange(37, 2, 1, (from, to) -> {
                            mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                            for (int i = from; i < to; i++) {
                                seen.incrementAndGet(i);
                            }
                            running.decrementAndGet();
                        });
                        for (int i = 0; i < 37; i++) {
                            if (seen.get(i) != 1) {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Thread t : callers) {
                t.join();
            }
            assertEquals(0, wrong.get(), "indices not covered exactly once");
            assertTrue(mostAtOnce.get() <= 2, "chunks running at once: " + mostAtOnce.get());
        }
    }

    @Test
    void closedPoolRefusesWork() {
        Parallel p = new Parallel(2);
        p.close();
        assertThrows(IllegalStateException.class, () -> p.forRange(10, 2, 1, (a, b) -> { }));
    }

    @Test
    void exceptionsPropagate() {
        try (Parallel p = new Parallel(2)) {
            var e = assertThrows(IllegalStateException.class, () -> p.forRange(10, 2, 1, (a, b) -> {
                if (a > 0) {
                    throw new IllegalStateException("boom");
                }
            }));
            assertEquals("boom", e.getMessage());
        }
    }

    /**
     * The shared pool has koembed.threads threads (default: the cores), and a split really runs on all of them at
     * once: each chunk waits at a barrier that opens only when every thread holds a chunk.
     */
    @Test
    void sharedPoolComputesOnAllItsThreadsAtOnce() {
        Parallel s = Parallel.shared();
        assertTrue(s == Parallel.shared());
        assertEquals(Integer.getInteger("koembed.threads", Runtime.getRuntime().availableProcessors()), s.threads());
        CyclicBarrier everyone = new CyclicBarrier(s.threads());
        Set<Thread> ran = ConcurrentHashMap.newKeySet();
        s.forRange(s.threads(), s.threads(), 1, (from, to) -> {
            ran.add(Thread.currentThread());
            try {
                everyone.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new AssertionError("not all " + s.threads() + " threads took a chunk at once", e);
            }
        });
        assertEquals(s.threads(), ran.size());
    }

    @Test
    void sharedPoolCannotBeClosedAndAPoolNeedsAThread() {
        assertThrows(UnsupportedOperationException.class, Parallel.shared()::close);
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
    }

    private static void sleep() {
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
