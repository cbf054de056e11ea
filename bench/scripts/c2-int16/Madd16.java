/**
 * The idiom issue #11 names for int16 arithmetic: {@code out[i] += a[2i]·b[2i] + a[2i+1]·b[2i+1]} over short
X
 * MulAddVS2VI). Run by check.sh: prints its multiply-adds per second on one thread, and, beside it, the float
 * rate of the same loop shape with FMA ({@code out[i] = fma(a[2i], b[2i], fma(a[2i+1], b[2i+1], out[i]))}), with
 * arrays that stay in L1 and L2.
 */
public class Madd16 {
    static void madd(short[] a, short[] b, int[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] += a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1];
        }
    }

    static void fma(float[] a, float[] b, float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.fma(a[2 * i], b[2 * i], Math.fma(a[2 * i + 1], b[2 * i + 1], out[i]));
        }
    }

    public static void main(String[] args) {
        for (int n : new int[] {1024, 16384}) {   // outputs: 12 KiB and 192 KiB of data per call
            short[] a = new short[2 * n], b = new short[2 * n];
            float[] fa = new float[2 * n], fb = new float[2 * n];
            int[] out = new int[n];
            float[] fout = new float[n];
            for (int i = 0; i < 2 * n; i++) {
                a[i] = (short) (i * 7);
                b[i] = (short) (i * 13);
                fa[i] = a[i] * 1e-3f;
                fb[i] = b[i] * 1e-3f;
            }
            double best16 = 0, bestF = 0;
            for (int round = 0; round < 30; round++) {
                long calls = (1L << 26) / n;
                long t0 = System.nanoTime();
                for (long c = 0; c < calls; c++) {
                    madd(a, b, out);
                }
                long t1 = System.nanoTime();
                for (long c = 0; c < calls; c++) {
                    fma(fa, fb, fout);
                }
                long t2 = System.nanoTime();
                best16 = Math.max(best16, 2.0 * n * calls / (t1 - t0));
                bestF = Math.max(bestF, 2.0 * n * calls / (t2 - t1));
            }
            System.out.printf("%d outputs (%d KiB of inputs): int16 idiom %.1f G multiply-adds/s, float FMA loop %.1f G"
                    + " FMA/s, one thread (checksums %d %.1f)%n", n, 4 * n * 2 / 1024, best16, bestF, out[n / 2],
                    fout[n / 2]);
        }
    }
}
