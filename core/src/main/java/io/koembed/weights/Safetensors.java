package io.koembed.weights;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A memory-mapped <a href="https://huggingface.co/docs/safetensors">safetensors</a> file: an 8-byte little-endian
 * header length N, N bytes of JSON header, then the data region that the header's {@code data_offsets} point into.
 *
 * <p>{@link #open} maps the whole file read-only into a shared {@link Arena} (nothing is copied to the heap) and
 * validates the header completely before returning: the header length fits in the file and is at most 100 MB; the
 * header is one JSON object without duplicate keys; {@code __metadata__}, if present, maps strings to strings; every
 * other entry has a {@code dtype} the format defines, a {@code shape} of non-negative integers and
 * {@code data_offsets [begin, end]} inside the data region with {@code end - begin == product(shape) * dtype size};
 * no two tensors overlap. Gaps between tensors are tolerated. Any violation is a {@link ModelFormatException} naming
 * the file and, where there is one, the tensor.
 *
 * <p>Element types: every type the format defines is accepted at open (an {@code I64 position_ids} buffer in an
 * old checkpoint should not stop the model from loading); asking for the floats of a tensor whose type is not F32,
 * F16 or BF16 fails then, naming the tensor and its type. A dtype string the format does not define fails at open,
 * because its byte length cannot be checked.
 *
 * <p>As a {@link Checkpoint}, F32 tensors are read in place: {@link #floats} returns the mapped bytes themselves.
 *
 * <p>Thread safety: after open, all reads are safe from any thread. {@link #close} unmaps the file; segments handed
 * out before become inaccessible.
 */
public final class Safetensors implements Checkpoint {

    /** Largest header accepted, as in the reference implementation. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The shared mapper, stricter for the header: no duplicate keys, no NaN/Infinity, nothing after the object. */
    private static final ObjectReader HEADER_JSON = JsonFiles.mapper().reader()
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .without(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final long dataStart; // the file offset of data
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private Safetensors(Path path, Arena arena, MemorySegment data, long dataStart, Map<String, TensorInfo> tensors,
                        Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates {@code file}. */
    public static Safetensors open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                if (size < 8) {
                    throw ModelFormatException.in(file, "not a safetensors file: " + size
                            + " bytes, too short for the 8-byte header length");
                }
                whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            } catch (NoSuchFileException e) {
                throw ModelFormatException.in(file, "file not found", e);
            } catch (IOException e) {
                throw ModelFormatException.in(file, "cannot read: " + e, e);
            }
            long fileSize = whole.byteSize();
            long headerLen = whole.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw ModelFormatException.in(file, "header length " + Long.toUnsignedString(headerLen)
                        + " is not sane (must be 2.." + MAX_HEADER_BYTES + " bytes); not a safetensors file?");
            }
            if (headerLen > fileSize - 8) {
                throw ModelFormatException.in(file, "header length " + headerLen + " runs past the end of the "
                        + fileSize + "-byte file (truncated?)");
            }
            byte[] header = whole.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = whole.asSlice(8 + headerLen);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(file, header, data.byteSize(), metadata);
            return new Safetensors(file, arena, data, 8 + headerLen, tensors, Collections.unmodifiableMap(metadata));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path file, byte[] header, long dataSize,
                                                       Map<String, String> metadata) {
        JsonNode root;
        try {
            root = HEADER_JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw ModelFormatException.in(file, "header is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (header byte " + e.getLocation().getByteOffset() + ")" : ""), e);
        } catch (IOException e) {
            throw ModelFormatException.in(file, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw ModelFormatException.in(file, "header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw ModelFormatException.in(file, "__metadata__ must be an object of strings");
                }
                for (Map.Entry<String, JsonNode> m : v.properties()) {
                    if (!m.getValue().isTextual()) {
                        throw ModelFormatException.in(file, "__metadata__ entry '" + m.getKey()
                                + "' must be a string, found " + m.getValue().getNodeType());
                    }
                    metadata.put(m.getKey(), m.getValue().asText());
                }
                continue;
            }
            tensors.put(name, parseEntry(file, name, v, dataSize));
        }
        // No two tensors may share bytes. Sort by begin; each must start at or after the previous one's end.
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.byteSize() == 0) {
                continue;
            }
            if (prev != null && t.begin() < prev.end()) {
                throw ModelFormatException.in(file, "tensors '" + prev.name() + "' (bytes " + prev.begin() + ".."
                        + prev.end() + ") and '" + t.name() + "' (bytes " + t.begin() + ".." + t.end()
                        + ") overlap");
            }
            prev = t;
        }
        return Collections.unmodifiableMap(tensors);
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataSize) {
        String where = "tensor '" + name + "': ";
        if (!v.isObject()) {
            throw ModelFormatException.in(file, where + "entry must be an object with dtype, shape, data_offsets");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw ModelFormatException.in(file, where + "missing or non-string 'dtype'");
        }
        DType dtype = DType.parse(dt.asText());
        if (dtype == null) {
            throw ModelFormatException.in(file, where + "unknown dtype '" + dt.asText() + "' (known: "
                    + java.util.Arrays.toString(DType.values()) + ")");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw ModelFormatException.in(file, where + "missing or non-array 'shape'");
        }
        long[] shape = new long[sh.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw ModelFormatException.in(file, where + "shape " + sh + " must hold non-negative integers");
            }
            shape[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, shape[i]);
            } catch (ArithmeticException ex) {
                throw ModelFormatException.in(file, where + "shape " + sh + " is too large");
            }
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw ModelFormatException.in(file, where + "missing 'data_offsets' [begin, end]");
        }
        for (JsonNode o : off) {
            if (!o.isIntegralNumber() || !o.canConvertToLong() || o.asLong() < 0) {
                throw ModelFormatException.in(file, where + "data_offsets " + off
                        + " must be two non-negative integers");
            }
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin > end) {
            throw ModelFormatException.in(file, where + "data_offsets " + off + " end before they begin");
        }
        if (end > dataSize) {
            throw ModelFormatException.in(file, where + "data_offsets " + off + " lie outside the data region of "
                    + dataSize + " bytes (file truncated?)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException ex) {
            throw ModelFormatException.in(file, where + "shape " + sh + " is too large");
        }
        if (end - begin != expected) {
            throw ModelFormatException.in(file, where + "data_offsets " + off + " span " + (end - begin)
                    + " bytes but shape " + sh + " of " + dtype + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    /** The file this was opened from. */
    @Override
    public Path path() {
        return path;
    }

    /** Tensor names in header order ({@code __metadata__} excluded). */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** The header's {@code __metadata__} (empty if absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The header entry of {@code name}; ModelFormatException naming the file and tensor if there is none. */
    @Override
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw ModelFormatException.in(path, "no tensor named '" + name + "'");
        }
        return t;
    }

    /** The raw bytes of {@code name}: a read-only slice of the mapping, valid until {@link #close}. */
    @Override
    public MemorySegment bytes(String name) {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.byteSize()).asReadOnly();
    }

    /**
     * Reads the bytes of {@code name} from the file into {@code dst} (positional reads, so safe from any thread):
     * the copy costs no page faults on the mapping. A heap {@code dst}, or a tensor of 2 GiB or more (beyond one
     * ByteBuffer), is copied from the mapping instead.
     */
    @Override
    public void copyBytes(String name, MemorySegment dst) {
        TensorInfo t = info(name);
        if (dst.byteSize() < t.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + t.byteSize() + " bytes, the target "
                    + dst.byteSize());
        }
        if (!dst.isNative() || t.byteSize() > Integer.MAX_VALUE) {
            Checkpoint.super.copyBytes(name, dst);
            return;
        }
        ByteBuffer into = dst.asSlice(0, t.byteSize()).asByteBuffer();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long at = dataStart + t.begin();
            while (into.hasRemaining()) {
                if (ch.read(into, at + into.position()) < 0) {
                    throw ModelFormatException.in(path, "tensor '" + name + "': the file ends before its "
                            + t.byteSize() + " bytes (changed since it was opened?)");
                }
            }
        } catch (IOException e) {
            throw ModelFormatException.in(path, "cannot read tensor '" + name + "': " + e, e);
        }
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "Safetensors[" + path + ", " + tensors.size() + " tensors]";
    }
}
