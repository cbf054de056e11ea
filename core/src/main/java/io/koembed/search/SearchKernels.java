package io.koembed.search;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.System.Logger.Level;
import java.nio.ByteOrder;

/**
 * The inner loops of search: one corpus row against a block of queries. A scalar version that is obviously right
 * and a Vector API twin ({@code PanamaSearchKernels}); {@link #BEST} picks the twin when the incubator module is
 * there (the same rule as io.koembed.tensor's kernels) and tests run both.
 */
interface SearchKernels {

    ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** {@code out[j] = row · queries[j*dim, (j+1)*dim)} for j < n; the row is dim floats at {@code offset} bytes. */
    void dots(MemorySegment rows, long offset, float[] queries, int n, int dim, float[] out);

    /** The same with the row in an array. */
    void dots(float[] row, float[] queries, int n, int dim, float[] out);

    SearchKernels BEST = Provider.lookup();

    final class Provider {
        private Provider() {}

        static SearchKernels lookup() {
            System.Logger log = System.getLogger("io.koembed.search");
            if ("false".equalsIgnoreCase(System.getProperty("koembed.vector"))
                    || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                return Scalar.INSTANCE;
            }
            try {
                return (SearchKernels) Class.forName("io.koembed.search.PanamaSearchKernels")
                        .getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                log.log(Level.WARNING, "Vector API search kernels unavailable (" + e + "); using scalar ones");
                return Scalar.INSTANCE;
            }
        }
    }

    /** Plain loops, one float accumulator per query: the reference. */
    final class Scalar implements SearchKernels {
        static final Scalar INSTANCE = new Scalar();

        @Override
        public void dots(MemorySegment rows, long offset, float[] queries, int n, int dim, float[] out) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                int q = j * dim;
                for (int d = 0; d < dim; d++) {
                    s += rows.get(F32, offset + 4L * d) * queries[q + d];
                }
                out[j] = s;
            }
        }

        @Override
        public void dots(float[] row, float[] queries, int n, int dim, float[] out) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                int q = j * dim;
                for (int d = 0; d < dim; d++) {
                    s += row[d] * queries[q + d];
                }
                out[j] = s;
            }
        }
    }
}
