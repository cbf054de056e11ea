/**
 * The short-integer multiply-add loop issue #3 asks about ("HotSpot's C2 turns simple short-integer multiply-add
 * loops into vpmaddwd"): run by check.sh, which prints the instructions C2 compiled it to.
 */
public class Dot16 {
    static int dot(short[] a, short[] b) {
        int s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    public static void main(String[] args) {
        short[] a = new short[4096], b = new short[4096];
        for (int i = 0; i < a.length; i++) {
            a[i] = (short) (i * 7);
            b[i] = (short) (i * 13);
        }
        long sum = 0;
        for (int r = 0; r < 20000; r++) {
            sum += dot(a, b);
        }
        System.out.println("checksum " + sum);
    }
}
