package io.koembed.weights;

import io.koembed.ModelFormatException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The named tensors of a model, whatever file format holds them: {@link Safetensors model.safetensors}, a sharded
 * set behind {@code model.safetensors.index.json}, a {@code pytorch_model.bin} (read without executing its pickle),
 * or shards behind {@code pytorch_model.bin.index.json}. {@link #open} picks the format as transformers does.
 *
 * <p>Every implementation hands out a tensor's elements as little-endian, contiguous, row-major bytes
 * ({@link #bytes}); the float views built on that are the same for all formats. Segments handed out stay valid
 * until {@link #close}.
 */
public interface Checkpoint extends AutoCloseable {

    /** Little-endian F32, the layout of F32 tensor data (unaligned: offsets are only guaranteed byte-aligned). */
    ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The weight files of a model directory, in the order transformers' {@code from_pretrained} looks for them. */
    String SAFETENSORS = "model.safetensors";
    String SAFETENSORS_INDEX = "model.safetensors.index.json";
    String PYTORCH = "pytorch_model.bin";
    String PYTORCH_INDEX = "pytorch_model.bin.index.json";

    /**
     * Opens the weights of {@code modelDir}: the first of {@value #SAFETENSORS}, {@value #SAFETENSORS_INDEX},
     * {@value #PYTORCH}, {@value #PYTORCH_INDEX} that exists, as transformers' {@code from_pretrained} does.
     */
    static Checkpoint open(Path modelDir) {
        Path file = weightsFile(modelDir);
        if (file == null) {
            String other = Files.exists(modelDir.resolve("tf_model.h5"))
                    || Files.exists(modelDir.resolve("flax_model.msgpack"))
                    ? "; its TensorFlow/Flax weights are not read, convert them to " + SAFETENSORS : "";
            throw ModelFormatException.in(modelDir, "no model weights found (looked for " + SAFETENSORS + ", "
                    + SAFETENSORS_INDEX + ", " + PYTORCH + ", " + PYTORCH_INDEX + ")" + other);
        }
        return switch (file.getFileName().toString()) {
            case SAFETENSORS -> Safetensors.open(file);
            case SAFETENSORS_INDEX -> ShardedCheckpoint.open(file, Safetensors::open);
            case PYTORCH -> TorchCheckpoint.open(file);
            default -> ShardedCheckpoint.open(file, TorchCheckpoint::open);
        };
    }

    /**
     * The files {@link #open} reads from {@code modelDir}: the weights file, followed by its shards when it is an
     * index (checked as open checks them); empty when the directory has no weights.
     */
    static List<Path> files(Path modelDir) {
        Path file = weightsFile(modelDir);
        if (file == null) {
            return List.of();
        }
        List<Path> files = new ArrayList<>(List.of(file));
        if (file.getFileName().toString().endsWith(".index.json")) {
            files.addAll(ShardedCheckpoint.shardFiles(file));
        }
        return files;
    }

    /** The first weights file transformers would take, or null. */
    private static Path weightsFile(Path modelDir) {
        for (String name : List.of(SAFETENSORS, SAFETENSORS_INDEX, PYTORCH, PYTORCH_INDEX)) {
            if (Files.isRegularFile(modelDir.resolve(name))) {
                return modelDir.resolve(name);
            }
        }
        return null;
    }

    /** The file this was opened from (the index file of a sharded set), for messages. */
    Path path();

    /** Tensor names, in the order the file lists them. */
    Set<String> names();

    boolean contains(String name);

    /** Name, element type and shape of {@code name}; ModelFormatException naming the file if there is none. */
    TensorInfo info(String name);

    /**
     * The elements of {@code name} as they are stored, little-endian, contiguous and row-major: a read-only slice of
     * the file where the format allows it, otherwise a copy owned by this checkpoint. Valid until {@link #close}.
     */
    MemorySegment bytes(String name);

    /**
     * Copies the stored bytes of {@code name} ({@link TensorInfo#byteSize}) to the start of {@code dst}: for
     * tensors that are read once and kept elsewhere, such as the Linear weights the encoder packs. A safetensors
     * file reads them from the file into {@code dst}; through the mapping each 4 KiB page would cost a page fault
     * (85,000 for the 340 MB of a base model's packed weights).
     */
    default void copyBytes(String name, MemorySegment dst) {
        MemorySegment.copy(bytes(name), 0, dst, 0, info(name).byteSize());
    }

    /**
     * The elements of {@code name} as little-endian F32 ({@link #F32_LE}) into the start of {@code dst}: an F32
     * tensor through {@link #copyBytes}, F16 and BF16 widened exactly. How the encoder reads the Linear weights it
     * packs.
     */
    default void copyFloats(String name, MemorySegment dst) {
        TensorInfo t = requireFloat(name);
        if (t.dtype() == DType.F32) {
            copyBytes(name, dst);
        } else {
            FloatConversion.widenInto(bytes(name), t.dtype(), t.elements(), dst);
        }
    }

    /**
     * The elements of {@code name} as a little-endian F32 segment ({@link #F32_LE}): for an F32 tensor its
     * {@link #bytes} themselves (zero copy from a safetensors file), for F16 and BF16 a widened copy allocated from
     * {@code arena} (64-byte aligned). This is how the encoder reads its embedding tables.
     */
    default MemorySegment floats(String name, Arena arena) {
        TensorInfo t = requireFloat(name);
        return FloatConversion.toF32(bytes(name), t.dtype(), t.elements(), arena);
    }

    /** The elements of {@code name} converted to float (F32 copied, F16 and BF16 widened exactly). */
    default float[] readFloats(String name) {
        TensorInfo t = requireFloat(name);
        if (t.elements() > Integer.MAX_VALUE - 8) {
            throw ModelFormatException.in(path(), "tensor '" + name + "' has " + t.elements()
                    + " elements, too many for a Java array; use floats(name, arena)");
        }
        return FloatConversion.toArray(bytes(name), t.dtype(), (int) t.elements());
    }

    private TensorInfo requireFloat(String name) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) {
            throw ModelFormatException.in(path(), "tensor '" + name + "' has dtype " + t.dtype()
                    + "; only F32, F16 and BF16 can be read as floats");
        }
        return t;
    }

    /** Releases the files and any copies. Idempotent; segments handed out before become inaccessible. */
    @Override
    void close();
}
