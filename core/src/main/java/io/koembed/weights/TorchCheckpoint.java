package io.koembed.weights;

import io.koembed.ModelFormatException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * A {@code pytorch_model.bin} as {@code torch.save} writes it since PyTorch 1.6: a zip archive whose records sit
 * under one folder ({@code archive/}, or the file's stem in older versions) and hold {@code data.pkl}, the pickled
 * state dict (read by {@link TorchPickle}, which executes nothing), {@code data/<key>}, the raw bytes of each
 * storage, and optionally {@code byteorder} ({@code little} or {@code big}; little when absent, as torch assumes).
 *
 * <p>{@link #open} reads and checks the pickle and the archive's directory: every tensor's storage record exists,
 * holds exactly the bytes its persistent id declares, and every element of every strided view lies inside its
 * storage. A storage is read into off-heap memory the first time one of its tensors is asked for (big-endian
 * storages are swapped then), once however many tensors share it; contiguous views are slices of it, other views
 * are copied into row-major order. The older non-zip torch.save format is refused with a message saying so.
 *
 * <p>Thread safety: after open, all reads are safe from any thread.
 */
final class TorchCheckpoint implements Checkpoint {

    /** Largest data.pkl read: a state dict's pickle takes about 150 bytes per tensor. */
    static final long MAX_PICKLE_BYTES = 100_000_000L;

    private final Path path;
    private final ZipFile zip;
    private final String prefix;
    private final boolean bigEndian;
    private final Map<String, TorchPickle.Tensor> views;
    private final Map<String, TensorInfo> infos;
    private final Arena arena = Arena.ofShared();
    private final Map<String, MemorySegment> storages = new HashMap<>(); // by key, once read

    private TorchCheckpoint(Path path, ZipFile zip, String prefix, boolean bigEndian,
                            Map<String, TorchPickle.Tensor> views, Map<String, TensorInfo> infos) {
        this.path = path;
        this.zip = zip;
        this.prefix = prefix;
        this.bigEndian = bigEndian;
        this.views = views;
        this.infos = infos;
    }

    static TorchCheckpoint open(Path file) {
        requireZip(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (IOException e) {
            throw ModelFormatException.in(file, "not a readable zip archive (truncated or damaged?): "
                    + e.getMessage(), e);
        }
        try {
            String prefix = archiveFolder(file, zip);
            boolean bigEndian = bigEndian(file, zip, prefix);
            byte[] pickle = record(file, zip, prefix + "data.pkl", MAX_PICKLE_BYTES);
            Map<String, TorchPickle.Tensor> views = TorchPickle.readStateDict(file, prefix + "data.pkl", pickle);
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            Map<String, TorchPickle.Storage> storages = new HashMap<>();
            for (Map.Entry<String, TorchPickle.Tensor> e : views.entrySet()) {
                infos.put(e.getKey(), check(file, zip, prefix, e.getKey(), e.getValue(), storages));
            }
            return new TorchCheckpoint(file, zip, prefix, bigEndian, views, Collections.unmodifiableMap(infos));
        } catch (RuntimeException | Error e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /** A zip starts with a local file header; the pre-1.6 torch.save format is a bare pickle stream. */
    private static void requireZip(Path file) {
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        } catch (NoSuchFileException e) {
            throw ModelFormatException.in(file, "file not found", e);
        } catch (IOException e) {
            throw ModelFormatException.in(file, "cannot read: " + e, e);
        }
        if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return;
        }
        if (n > 0 && (head[0] & 0xFF) == 0x80) {
            throw ModelFormatException.in(file, "written in torch.save's legacy format (PyTorch before 1.6, not a zip"
                    + " archive), which KoEmbed does not read; convert it to model.safetensors or re-save it with a"
                    + " current PyTorch");
        }
        throw ModelFormatException.in(file, "not a torch.save zip archive (" + n + " bytes read, no zip signature)");
    }

    /** The one folder holding data.pkl: "archive/" in current PyTorch, the file's stem in older ones. */
    private static String archiveFolder(Path file, ZipFile zip) {
        String found = null;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) {
                if (found != null) {
                    throw ModelFormatException.in(file, "holds two pickles, " + found + "data.pkl and " + name);
                }
                found = name.substring(0, slash + 1);
            }
        }
        if (found == null) {
            throw ModelFormatException.in(file, "is a zip archive without <folder>/data.pkl: not written by torch.save");
        }
        return found;
    }

    private static boolean bigEndian(Path file, ZipFile zip, String prefix) {
        if (zip.getEntry(prefix + "byteorder") == null) {
            return false;
        }
        String order = new String(record(file, zip, prefix + "byteorder", 16), StandardCharsets.US_ASCII).strip();
        return switch (order) {
            case "little" -> false;
            case "big" -> true;
            default -> throw ModelFormatException.in(file, prefix + "byteorder says '" + order
                    + "', expected little or big");
        };
    }

    private static byte[] record(Path file, ZipFile zip, String name, long maxBytes) {
        ZipEntry e = zip.getEntry(name);
        if (e == null) {
            throw ModelFormatException.in(file, "the archive has no record " + name);
        }
        if (e.getSize() > maxBytes) {
            throw ModelFormatException.in(file, name + " has " + e.getSize() + " bytes, more than the "
                    + maxBytes + " accepted");
        }
        try (InputStream in = zip.getInputStream(e)) {
            return in.readNBytes((int) maxBytes + 1);
        } catch (IOException ex) {
            throw ModelFormatException.in(file, "cannot read " + name + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Checks a tensor against its storage record and returns its info: begin and end are the byte range the tensor
     * would fill in its storage were it contiguous (exactly its bytes when it is).
     */
    private static TensorInfo check(Path file, ZipFile zip, String prefix, String name, TorchPickle.Tensor t,
                                    Map<String, TorchPickle.Storage> seen) {
        TorchPickle.Storage s = t.storage();
        TorchPickle.Storage first = seen.putIfAbsent(s.key(), s);
        if (first != null && !first.equals(s)) {
            throw ModelFormatException.in(file, "tensor '" + name + "' declares storage " + s.key() + " as "
                    + s.numel() + " " + s.dtype() + " elements, an earlier tensor as " + first.numel() + " "
                    + first.dtype());
        }
        String record = prefix + "data/" + s.key();
        ZipEntry e = zip.getEntry(record);
        if (e == null) {
            throw ModelFormatException.in(file, "tensor '" + name + "' lives in storage record " + record
                    + ", which the archive lacks");
        }
        long es = s.dtype().bytes();
        if (e.getSize() != s.numel() * es) {
            throw ModelFormatException.in(file, "storage record " + record + " holds " + e.getSize()
                    + " bytes, but the pickle declares " + s.numel() + " " + s.dtype() + " elements ("
                    + s.numel() * es + " bytes)");
        }
        String where = "tensor '" + name + "' (shape " + Arrays.toString(t.size()) + ", offset " + t.offset()
                + ", stride " + Arrays.toString(t.stride()) + ")";
        long n = 1;
        long last = t.offset();
        try {
            for (int d = 0; d < t.size().length; d++) {
                n = Math.multiplyExact(n, t.size()[d]);
                if (t.size()[d] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(t.size()[d] - 1, t.stride()[d]));
                }
            }
        } catch (ArithmeticException ex) {
            throw ModelFormatException.in(file, where + " is too large");
        }
        if (n > 0 && last >= s.numel()) {
            throw ModelFormatException.in(file, where + " reaches element " + last + " of storage " + record
                    + ", which holds only " + s.numel() + " elements");
        }
        return new TensorInfo(name, s.dtype(), t.size(), t.offset() * es, (t.offset() + n) * es);
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public Set<String> names() {
        return infos.keySet();
    }

    @Override
    public boolean contains(String name) {
        return infos.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = infos.get(name);
        if (t == null) {
            throw ModelFormatException.in(path, "no tensor named '" + name + "'");
        }
        return t;
    }

    /** A slice of the storage for a contiguous view; a row-major copy of the elements for any other. */
    @Override
    public MemorySegment bytes(String name) {
        TensorInfo info = info(name);
        TorchPickle.Tensor t = views.get(name);
        MemorySegment storage = storage(t.storage());
        long es = info.dtype().bytes();
        long n = info.elements();
        if (n == 0) {
            return MemorySegment.NULL;
        }
        if (isContiguous(t)) {
            return storage.asSlice(info.begin(), info.byteSize()).asReadOnly();
        }
        MemorySegment out = arena.allocate(n * es, 64);
        long[] size = t.size();
        long[] index = new long[size.length];
        for (long i = 0; i < n; i++) {
            long element = t.offset();
            for (int d = 0; d < size.length; d++) {
                element += index[d] * t.stride()[d];
            }
            MemorySegment.copy(storage, element * es, out, i * es, es);
            for (int d = size.length - 1; d >= 0 && ++index[d] == size[d]; d--) {
                index[d] = 0; // odometer: the last dimension runs fastest
            }
        }
        return out.asReadOnly();
    }

    /** Row-major strides, ignoring dimensions of size 1 (their stride never matters), as torch defines it. */
    private static boolean isContiguous(TorchPickle.Tensor t) {
        long expected = 1;
        for (int d = t.size().length - 1; d >= 0; d--) {
            if (t.size()[d] != 1 && t.stride()[d] != expected) {
                return false;
            }
            expected *= t.size()[d];
        }
        return true;
    }

    /** The storage's bytes in little-endian order, read from the archive the first time they are needed. */
    private synchronized MemorySegment storage(TorchPickle.Storage s) {
        MemorySegment seg = storages.get(s.key());
        if (seg != null) {
            return seg;
        }
        String record = prefix + "data/" + s.key();
        int es = s.dtype().bytes();
        long size = s.numel() * es;
        seg = arena.allocate(size, 64);
        try (InputStream in = zip.getInputStream(zip.getEntry(record))) {
            byte[] buf = new byte[1 << 20];
            long pos = 0;
            while (pos < size) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, size - pos));
                if (r < 0) {
                    throw ModelFormatException.in(path, "storage record " + record + " ends after " + pos + " of its "
                            + size + " bytes (truncated?)");
                }
                MemorySegment.copy(buf, 0, seg, ValueLayout.JAVA_BYTE, pos, r);
                pos += r;
            }
        } catch (IOException e) {
            throw ModelFormatException.in(path, "cannot read storage record " + record + ": " + e.getMessage(), e);
        }
        if (bigEndian && es > 1) {
            byte[] element = new byte[es];
            for (long off = 0; off < size; off += es) {
                MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, off, element, 0, es);
                for (int i = 0; i < es; i++) {
                    seg.set(ValueLayout.JAVA_BYTE, off + i, element[es - 1 - i]);
                }
            }
        }
        storages.put(s.key(), seg);
        return seg;
    }

    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) {
            arena.close();
            closeQuietly(zip);
        }
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // nothing was written; a failure to release a read handle changes nothing for the caller
        }
    }

    @Override
    public String toString() {
        return "TorchCheckpoint[" + path + ", " + infos.size() + " tensors]";
    }
}
