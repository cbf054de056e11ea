import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What 340 MB of weights (a base model's packed float32 panels) cost to put in place, three ways: fresh float arrays
 * on the Java heap, touched page by page (what packing at load does); the same bytes written to a file (what a cache
 * of packed panels would do once); that file mapped and touched page by page (what each later load would do).
 * Arguments: heap | write | map, and the file. See run.
 */
public class FreshMemory {
    public static void main(String[] args) throws Exception {
        long size = 340L << 20;
        Path file = Path.of(args[1]);
        long t0 = System.nanoTime();
        double sum = 0;
        switch (args[0]) {
            case "heap" -> {
                float[][] arrays = new float[48][];
                for (int i = 0; i < arrays.length; i++) {
                    arrays[i] = new float[(int) (size / 4 / arrays.length)];
                    for (int j = 0; j < arrays[i].length; j += 1024) {
                        arrays[i][j] = j;
                    }
                }
                sum = arrays[47][1024];
            }
            case "write" -> {
                ByteBuffer buffer = ByteBuffer.allocateDirect(4 << 20);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    for (long written = 0; written < size; written += buffer.capacity()) {
                        buffer.clear();
                        ch.write(buffer);
                    }
                }
            }
            case "map" -> {
                try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file)) {
                    MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                    for (long o = 0; o < size; o += 4096) {
                        sum += m.get(ValueLayout.JAVA_FLOAT, o);
                    }
                }
            }
            default -> throw new IllegalArgumentException("heap, write or map");
        }
        System.out.printf("%-5s %.3f s%s%n", args[0], (System.nanoTime() - t0) / 1e9, sum == 42 ? " " : "");
    }
}
