package io.koembed.tensor;

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
     * ahead at 20 rows (one sentence: 4 whole tiles, and each broadcast feeds 4 FMAs); on AVX2, 4x2 and 6x2 were
     * level under G1, and 6x2 spilled under the Parallel collector.
     */
    public static List<MatmulTile> candidates(int lanes) {
        if (lanes >= 16) {
            return List.of(new MatmulTile(5, 4), new MatmulTile(7, 3), new MatmulTile(8, 2), new MatmulTile(4, 2));
        }
        return List.of(new MatmulTile(4, 2), new MatmulTile(6, 2));
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
