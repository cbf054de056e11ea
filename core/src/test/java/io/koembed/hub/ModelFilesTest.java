package io.koembed.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
    @TempDir
    Path dir;
    private final List<String> fetched = new ArrayList<>();

    /** select() over a repository listing, with the JSON files it reads served from {@code contents}. */
    private List<String> select(Set<String> listed, Map<String, String> contents) {
        return ModelFiles.select(listed, path -> {
            fetched.add(path);
            try {
                Path p = dir.resolve(path);
                Files.createDirectories(p.getParent());
                return Files.writeString(p, contents.get(path), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static final String MODULES = """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
             {"idx": 3, "name": "3", "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"}]""";

    @Test
    void takesConfigsTokenizerAndOneSetOfWeightsPerModuleFolder() {
        Set<String> listed = Set.of(".gitattributes", "README.md", "modules.json", "config.json",
                "config_sentence_transformers.json", "sentence_bert_config.json", "tokenizer.json",
                "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "model.safetensors",
                "pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "rust_model.ot", "onnx/model.onnx",
                "onnx/config.json", "openvino/openvino_model.xml", "1_Pooling/config.json", "2_Dense/config.json",
                "2_Dense/pytorch_model.bin", "2_Dense/model.safetensors", "eval/similarity_evaluation_results.csv");
        assertEquals(List.of("modules.json", "config.json", "config_sentence_transformers.json",
                        "sentence_bert_config.json", "tokenizer.json", "tokenizer_config.json",
                        "special_tokens_map.json", "vocab.txt", "1_Pooling/config.json", "2_Dense/config.json",
                        "model.safetensors", "2_Dense/model.safetensors"),
                select(listed, Map.of("modules.json", MODULES)));
        assertEquals(List.of("modules.json"), fetched);
    }

    @Test
    void takesTheShardsOfAnIndexAndPytorchWeightsWhereNoSafetensorsExist() {
        String index = """
                {"metadata": {"total_size": 10}, "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                 "b.weight": "model-00002-of-00002.safetensors", "c.weight": "model-00001-of-00002.safetensors"}}""";
        Set<String> sharded = Set.of("config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors", "pytorch_model.bin");
        assertEquals(List.of("config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors"), select(sharded, Map.of("model.safetensors.index.json", index)));

        assertEquals(List.of("config.json", "vocab.txt", "pytorch_model.bin"),
                select(Set.of("config.json", "vocab.txt", "pytorch_model.bin", "tf_model.h5"), Map.of()));
    }

    @Test
    void refusesShardsTheRepositoryLacksOrThatLeaveIt() {
        String missing = "{\"weight_map\": {\"a\": \"model-00009-of-00009.safetensors\"}}";
        Set<String> listed = Set.of("config.json", "model.safetensors.index.json");
        assertEquals("model.safetensors.index.json names the shard 'model-00009-of-00009.safetensors', which the "
                        + "repository does not have",
                assertThrows(HubException.class, () -> select(listed, Map.of("model.safetensors.index.json", missing)))
                        .getMessage());
        String hostile = "{\"weight_map\": {\"a\": \"../../evil.safetensors\"}}";
        assertEquals("unsafe file name '../../evil.safetensors' (has an empty, '.' or '..' part): refusing to write it "
                        + "anywhere",
                assertThrows(HubException.class, () -> select(listed, Map.of("model.safetensors.index.json", hostile)))
                        .getMessage());
    }
}
