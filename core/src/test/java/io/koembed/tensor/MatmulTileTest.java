package io.koembed.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class MatmulTileTest {

    @Test
    void avx2TakesSixRowsWhereTheJvmStripMinesLoopsElseFour() {
        // G1, ZGC and Shenandoah strip-mine C2's long loops, Parallel and Serial GC do not: told here by the
        // collector's name, there by the JVM's LoopStripMiningIter flag
        boolean stripMining = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName)
                .anyMatch(n -> n.startsWith("G1") || n.startsWith("ZGC") || n.startsWith("Shenandoah"));
        assertEquals(stripMining, MatmulTile.loopsStripMined());
        assertEquals(stripMining ? new MatmulTile(6, 2) : new MatmulTile(4, 2), MatmulTile.candidates(8).getFirst());
        assertEquals(new MatmulTile(5, 4), MatmulTile.candidates(16).getFirst());
    }

    @Test
    void parsesRowsByVectors() {
        assertEquals(new MatmulTile(7, 3), MatmulTile.parse(" 7X3 "));
        assertThrows(IllegalArgumentException.class, () -> MatmulTile.parse("7by3"));
        assertThrows(IllegalArgumentException.class, () -> MatmulTile.parse("3x3")); // no kernel for it
    }
}
