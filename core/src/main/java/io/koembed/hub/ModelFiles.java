package io.koembed.hub;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.JsonFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which files of a repository a sentence-transformers model needs, so that nothing else is downloaded (no ONNX,
 * OpenVINO, TensorFlow or Flax weights, no images). For the repository root and each module folder that
 * {@code modules.json} lists (1_Pooling, 2_Dense, ...), the configuration and tokenizer files it has, and one set of
 * weights: {@code model.safetensors}, else {@code model.safetensors.index.json} with the shards its
 * {@code weight_map} names, else {@code pytorch_model.bin} (or its index and shards).
 */
final class ModelFiles {
    static final List<String> CONFIG_FILES = List.of(
            "modules.json", "config.json", "config_sentence_transformers.json", "sentence_bert_config.json",
            "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
            "sentencepiece.bpe.model", "spiece.model", "vocab.txt", "vocab.json", "merges.txt");
    /** In order of preference, as transformers and sentence-transformers choose. */
    static final List<String> WEIGHT_FILES = List.of(
            "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json");

    private ModelFiles() {}

    /** Brings one file of the repository into the snapshot and says where it is. */
    interface Fetch {
        Path fetch(String path);
    }

    /**
     * The repository paths to download, small files first. {@code listed} is every file the repository has;
     * {@code fetch} is called for the files that say which others are needed (modules.json, weight indexes).
     */
    static List<String> select(Set<String> listed, Fetch fetch) {
        Set<String> folders = new LinkedHashSet<>();
        folders.add("");
        if (listed.contains("modules.json")) {
            Path modules = fetch.fetch("modules.json");
            JsonNode root = JsonFiles.readTree(modules);
            for (JsonNode m : root) {
                String path = m.path("path").asText("");
                if (!path.isEmpty()) {
                    folders.add(RepoCache.checkRepoPath(path.endsWith("/") ? path.substring(0, path.length() - 1) : path));
                }
            }
        }
        Set<String> configs = new LinkedHashSet<>();
        Set<String> weights = new LinkedHashSet<>();
        for (String folder : folders) {
            String prefix = folder.isEmpty() ? "" : folder + "/";
            for (String name : CONFIG_FILES) {
                if (listed.contains(prefix + name)) {
                    configs.add(prefix + name);
                }
            }
            for (String name : WEIGHT_FILES) {
                if (listed.contains(prefix + name)) {
                    weights.add(prefix + name);
                    if (name.endsWith(".index.json")) {
                        weights.addAll(shards(prefix, prefix + name, fetch.fetch(prefix + name), listed));
                    }
                    break;
                }
            }
        }
        List<String> all = new ArrayList<>(configs);
        all.addAll(weights);
        return all;
    }

    /** The distinct files an index's weight_map names, each of which the repository must have. */
    private static List<String> shards(String prefix, String indexPath, Path index, Set<String> listed) {
        JsonNode map = JsonFiles.readObject(index).path("weight_map");
        Set<String> shards = new LinkedHashSet<>();
        for (JsonNode file : map) {
            String shard = prefix + RepoCache.checkRepoPath(file.asText(""));
            if (!listed.contains(shard)) {
                throw new HubException(indexPath + " names the shard '" + RepoCache.printable(shard)
                        + "', which the repository does not have");
            }
            shards.add(shard);
        }
        return List.copyOf(shards);
    }
}
