package io.koembed.tensor;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;

/**
 * The register tile of the Vector API matmul: {@code rows} rows of activations times {@code vectors} vectors of
 * consecutive output channels, {@code rows × vectors} accumulators held in vector registers while the kernel
 * runs over the whole inner dimension. The weights are packed in panels of {@code vectors · L} output channels
 * (L = floats per vector), so the tile is fixed when a model is loaded.
 *
 * <p>Which tile is fastest depends on the core: how many vector registers it has (16 on AVX2, 32 on AVX-512), how
 * many FMAs it retires per cycle and their latency, and how many loads it can issue beside them. Every tile here
 * fits its register file even when C2 loads all of a step's broadcasts before the first FMA
 * ({@code rows · vectors + vectors + rows} registers): see {@link #candidates}. {@code bench/run --tiles} times
 * every candidate of the running JVM's vector shape in one run; the system property {@code koembed.matmulTile}
 * ({@code 7x3}, ...) overrides the default for experiments.
 *
 * @param rows    activation rows per tile
 * @param vectors weight vectors per tile (the panel width is {@code vectors · L})
 */
public record MatmulTile(int rows, int vectors) {

    /** Every tile the Vector API kernel implements (PanamaTensorOps has one method for each). */
    static final List<String> IMPLEMENTED = List.of("4x2", "6x2", "8x2", "7x3", "5x4");

    public MatmulTile {
        if (!IMPLEMENTED.contains(rows + "x" + vectors)) {
            throw new IllegalArgumentException("no matmul kernel for a " + rows + "x" + vectors + " tile (there are "
                    + String.join(", ", IMPLEMENTED) + ")");
        }
    }

    /**
     * The tiles worth trying for vectors of {@code lanes} floats, the default first. 512-bit vectors (AVX-512:
     * 32 registers) take up to 31 registers; narrower ones are taken to have 16 (AVX2, SSE).
     *
     * <p>The defaults are the fastest measured ({@code bench/run --matmul-only} times every candidate on the
     * running CPU; the runs are in bench/RESULTS.md): on AVX-512, 5x4 is level with 7x3 and 8x2 at 256 rows and
     * ahead at 20 rows (one sentence: 4 whole tiles, and each broadcast feeds 4 FMAs). On AVX2, 6x2 (12
     * accumulators, enough to cover two FMA pipes' latency) where the JVM strip-mines loops ({@link
     * #loopsStripMined}), else 4x2: AVX2 code on a Zen 5 core ({@code -XX:UseAVX=2}) ran the encoder 1.24-1.32x
     * as fast on 6x2; on Zen 1, which retires one 256-bit FMA per cycle, the two were level but for 20 rows, which
     * the 6-row kernel now ends with 4-row tiles (PanamaTensorOps).
     */
    public static List<MatmulTile> candidates(int lanes) {
        if (lanes >= 16) {
            return List.of(new MatmulTile(5, 4), new MatmulTile(7, 3), new MatmulTile(8, 2), new MatmulTile(4, 2));
        }
        MatmulTile six = new MatmulTile(6, 2), four = new MatmulTile(4, 2);
        return loopsStripMined() ? List.of(six, four) : List.of(four, six);
    }

    /**
     * Whether C2 strip-mines this JVM's long loops: G1 (the default), ZGC and Shenandoah turn it on, Parallel and
     * Serial GC (which the JVM also picks by itself on a machine of one core) do not. Without it C2 loads all six
     * broadcasts of a 6x2 step before its FMAs, 20 vector registers for AVX2's 16, and keeps five accumulators on
     * the stack: 42-45 against 66-72 GFLOP/s on Zen 1 (bench/RESULTS.md, "Issue #3 on the Zen 1 (AVX2) machines");
     * {@code bench/scripts/c2-asm/run} shows the same under {@code -XX:UseAVX=2 -XX:+UseParallelGC}. False when the
     * JVM cannot say (a runtime without the jdk.management module). Asked once per JVM, on AVX2 only (about 30 ms).
     */
    static boolean loopsStripMined() {
        return StripMining.ON;
    }

    /** {@link #loopsStripMined}'s answer, asked of the JVM when first needed. */
    private static final class StripMining {
        static final boolean ON = ask();

        private static boolean ask() {
            try {
                var hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
                return Long.parseLong(hotspot.getVMOption("LoopStripMiningIter").getValue()) > 0;
            } catch (RuntimeException | LinkageError e) {
                return false; // 4x2 fits 16 registers whatever the loop's shape
            }
        }
    }

    /** {@code koembed.matmulTile} if set, else the first of {@link #candidates}. */
    static MatmulTile configured(int lanes) {
        String p = System.getProperty("koembed.matmulTile");
        return p == null || p.isBlank() ? candidates(lanes).getFirst() : parse(p);
    }

    /** Parses "RxV" (e.g. "7x3"). */
    public static MatmulTile parse(String s) {
        String[] parts = s.strip().toLowerCase(Locale.ROOT).split("x");
        try {
            if (parts.length == 2) {
                return new MatmulTile(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("a matmul tile is ROWSxVECTORS, e.g. 7x3; got '" + s + "'");
    }

    @Override
    public String toString() {
        return rows + "x" + vectors;
    }
}
