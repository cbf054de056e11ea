package io.koembed.weights;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import io.koembed.ModelFormatException;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A checkpoint split over several files by an index ({@code model.safetensors.index.json} or
 * {@code pytorch_model.bin.index.json}) whose {@code weight_map} names, for every tensor, the file holding it.
 *
 * <p>{@link #open} checks the index completely before anything is used: the weight map is an object of file
 * names; each name stays inside the index's directory (no absolute paths, no {@code ..}: the check is on the name
 * itself, so a Hub cache snapshot whose files are symlinks into {@code blobs/} still opens); every shard exists and
 * opens; every tensor is in the shard the map names. Tensors a shard holds but the map does not list are not
 * exposed, the map being the index's statement of what the model is.
 */
final class ShardedCheckpoint implements Checkpoint {

    private final Path index;
    private final Map<String, Checkpoint> shardOf;
    private final List<Checkpoint> shards;

    private ShardedCheckpoint(Path index, Map<String, Checkpoint> shardOf, List<Checkpoint> shards) {
        this.index = index;
        this.shardOf = shardOf;
        this.shards = shards;
    }

    /** Reads {@code indexFile} and opens each shard it names once, with {@code openShard}. */
    static ShardedCheckpoint open(Path indexFile, Function<Path, Checkpoint> openShard) {
        Map<Path, Checkpoint> byFile = new LinkedHashMap<>();
        Map<String, Checkpoint> shardOf = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Path> e : weightMap(indexFile).entrySet()) {
                Checkpoint shard = byFile.computeIfAbsent(e.getValue(), openShard);
                if (!shard.contains(e.getKey())) {
                    throw ModelFormatException.in(indexFile, "weight_map puts tensor '" + e.getKey() + "' in "
                            + e.getValue().getFileName() + ", which does not hold it");
                }
                shardOf.put(e.getKey(), shard);
            }
        } catch (RuntimeException | Error e) {
            byFile.values().forEach(Checkpoint::close);
            throw e;
        }
        return new ShardedCheckpoint(indexFile, Collections.unmodifiableMap(shardOf),
                List.copyOf(byFile.values()));
    }

    /** The distinct shard files of {@code indexFile}, in weight_map order. */
    static List<Path> shardFiles(Path indexFile) {
        return List.copyOf(new LinkedHashSet<>(weightMap(indexFile).values()));
    }

    /** weight_map: tensor name to the path of an existing shard file inside the index's directory. */
    private static Map<String, Path> weightMap(Path indexFile) {
        JsonNode weightMap = JsonFiles.readObject(indexFile).get("weight_map");
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw ModelFormatException.in(indexFile, "'weight_map' is missing or not a non-empty object of"
                    + " tensor name -> shard file");
        }
        Map<String, Path> shards = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            if (!e.getValue().isTextual()) {
                throw ModelFormatException.in(indexFile, "weight_map entry '" + e.getKey() + "' is a "
                        + e.getValue().getNodeType() + ", expected a shard file name");
            }
            shards.put(e.getKey(), shardPath(indexFile, e.getValue().asText()));
        }
        return shards;
    }

    /** The shard's path, if its name keeps it inside the model directory and the file is there. */
    private static Path shardPath(Path indexFile, String name) {
        boolean escapes = name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.indexOf(0) >= 0;
        for (String part : name.split("[/\\\\]")) {
            escapes |= part.equals("..");
        }
        if (escapes || Path.of(name).isAbsolute()) {
            throw ModelFormatException.in(indexFile, "shard file name '" + name
                    + "' is not a file name inside the model directory: refused");
        }
        Path p = indexFile.resolveSibling(name);
        if (!Files.isRegularFile(p)) {
            throw ModelFormatException.in(indexFile, "shard file " + name + " is missing (looked for " + p + ")");
        }
        return p;
    }

    /** The index file. */
    @Override
    public Path path() {
        return index;
    }

    @Override
    public Set<String> names() {
        return shardOf.keySet();
    }

    @Override
    public boolean contains(String name) {
        return shardOf.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        return shard(name).info(name);
    }

    @Override
    public MemorySegment bytes(String name) {
        return shard(name).bytes(name);
    }

    @Override
    public void copyBytes(String name, MemorySegment dst) {
        shard(name).copyBytes(name, dst);
    }

    private Checkpoint shard(String name) {
        Checkpoint c = shardOf.get(name);
        if (c == null) {
            throw ModelFormatException.in(index, "no tensor named '" + name + "' in weight_map");
        }
        return c;
    }

    @Override
    public void close() {
        shards.forEach(Checkpoint::close);
    }

    @Override
    public String toString() {
        return "ShardedCheckpoint[" + index + ", " + shards.size() + " shards, " + shardOf.size() + " tensors]";
    }
}
