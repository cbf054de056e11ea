package io.koembed.tensor;

import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that decides, once per JVM, whether KoEmbed's vector math runs on the Java Vector API or in plain
 * Java, and at which vector width; every SIMD class ({@code PanamaTensorOps}, {@code PanamaVectorOps}) is picked
 * here, and a fallback is reported here, once. As Lucene's {@code VectorizationProvider}: the Panama classes are
 * loaded by name, so that this class links on a JVM without {@code jdk.incubator.vector}.
 *
 * <p>Switches (system properties):
 * <ul>
 *   <li>{@code koembed.vector=false}: plain Java everywhere;</li>
 *   <li>{@code koembed.vectorBits=128|256|512}: this vector width instead of the CPU's preferred one. A width the
 *       CPU lacks is computed by the Vector API in Java: slow, with the same results. It is how tests check every
 *       width's code on any host.</li>
 * </ul>
 */
final class Vectorization {
    private Vectorization() {}

    private static final System.Logger LOG = System.getLogger("io.koembed.tensor");

    /**
     * The vector width that {@code koembed.vectorBits} asks for, or 0 for the CPU's preferred one. The Panama classes
     * read it for their species (a static final, since C2 compiles vector code only for a constant species). It is
     * declared before {@link #SIMD} because deciding loads those classes, which read it.
     */
    static final int REQUESTED_BITS = requestedBits();

    /** Whether the Vector API classes are in use; decided at class initialisation, with at most one warning. */
    static final boolean SIMD = decide();

    static final TensorOps TENSOR_OPS = SIMD ? (TensorOps) make("io.koembed.tensor.PanamaTensorOps")
            : ScalarTensorOps.INSTANCE;
    static final VectorOps VECTOR_OPS = SIMD ? (VectorOps) make("io.koembed.tensor.PanamaVectorOps")
            : ScalarVectorOps.INSTANCE;

    private static int requestedBits() {
        String bits = System.getProperty("koembed.vectorBits");
        if (bits == null || bits.isBlank()) {
            return 0;
        }
        return switch (bits.strip()) {
            case "128" -> 128;
            case "256" -> 256;
            case "512" -> 512;
            default -> {
                LOG.log(Level.WARNING, "koembed.vectorBits must be 128, 256 or 512, not '" + bits
                        + "'; using the CPU's preferred width");
                yield 0;
            }
        };
    }

    private static boolean decide() {
        if ("false".equalsIgnoreCase(System.getProperty("koembed.vector"))) {
            LOG.log(Level.INFO, "koembed.vector=false: using scalar kernels");
            return false;
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            LOG.log(Level.WARNING, "jdk.incubator.vector is not available; using scalar kernels, which are"
                    + " tens of times slower. Add the JVM option --add-modules jdk.incubator.vector to use SIMD.");
            return false;
        }
        try {
            // Loading the classes runs their static initialisers (the species, the requested width) now, so that
            // any failure falls back here, once, rather than later in the middle of an encode.
            Class.forName("io.koembed.tensor.PanamaTensorOps");
            Class.forName("io.koembed.tensor.PanamaVectorOps");
            int lanes = (int) Class.forName("io.koembed.tensor.PanamaTensorOps").getDeclaredMethod("lanes")
                    .invoke(null);
            if (lanes < 4) {
                LOG.log(Level.WARNING, "the Vector API offers only " + lanes + " float lanes here; using scalar"
                        + " kernels");
                return false;
            }
            return true;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            LOG.log(Level.WARNING, "Vector API kernels unavailable (" + cause + "); using scalar kernels");
            return false;
        }
    }

    private static Object make(String className) {
        try {
            return Class.forName(className).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(className + " loaded in the check but cannot be made now", e);
        }
    }

    /** The Vector API tensor ops with every candidate tile, the default first; empty where SIMD is off. */
    static List<TensorOps> matmulCandidates() {
        if (!SIMD) {
            return List.of();
        }
        try {
            Class<?> panama = Class.forName("io.koembed.tensor.PanamaTensorOps");
            int lanes = (int) panama.getDeclaredMethod("lanes").invoke(null);
            var make = panama.getDeclaredConstructor(MatmulTile.class);
            List<TensorOps> ops = new ArrayList<>();
            for (MatmulTile tile : MatmulTile.candidates(lanes)) {
                ops.add((TensorOps) make.newInstance(tile));
            }
            return ops;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("Vector API kernels were loaded once but not now", e);
        }
    }
}
