package io.koembed.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EncoderConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** upskyy/e5-base-korean's config.json, verbatim. */
    static final String E5_BASE_KOREAN = """
            {
              "architectures": ["XLMRobertaModel"],
              "attention_probs_dropout_prob": 0.1,
              "bos_token_id": 0,
              "classifier_dropout": null,
              "eos_token_id": 2,
              "hidden_act": "gelu",
              "hidden_dropout_prob": 0.1,
              "hidden_size": 768,
              "initializer_range": 0.02,
              "intermediate_size": 3072,
              "layer_norm_eps": 1e-05,
              "max_position_embeddings": 514,
              "model_type": "xlm-roberta",
              "num_attention_heads": 12,
              "num_hidden_layers": 12,
              "output_past": true,
              "pad_token_id": 1,
              "position_embedding_type": "absolute",
              "torch_dtype": "float32",
              "transformers_version": "4.42.4",
              "type_vocab_size": 1,
              "use_cache": true,
              "vocab_size": 250002
            }
            """;

    @TempDir
    Path dir;

    @Test
    void tinyFixture() {
        EncoderConfig c = EncoderConfig.load(Fixtures.model("tiny-xlmr-ko").resolve("config.json"));
        assertEquals("xlm-roberta", c.modelType());
        assertEquals(8002, c.vocabSize());
        assertEquals(64, c.hiddenSize());
        assertEquals(2, c.numHiddenLayers());
        assertEquals(4, c.numAttentionHeads());
        assertEquals(16, c.headDim());
        assertEquals(128, c.intermediateSize());
        assertEquals(130, c.maxPositionEmbeddings());
        assertEquals(1, c.typeVocabSize());
        assertEquals(1e-5f, c.layerNormEps());
        assertEquals(1, c.padTokenId());
        assertEquals(2, c.positionOffset());
        assertEquals(128, c.maxSequenceLength());
        assertEquals("roberta.", c.weightPrefix());
        assertTrue(c.robertaPositions());
    }

    @Test
    void e5BaseKorean() throws IOException {
        EncoderConfig c = parse(E5_BASE_KOREAN);
        assertEquals(250002, c.vocabSize());
        assertEquals(768, c.hiddenSize());
        assertEquals(12, c.numHiddenLayers());
        assertEquals(64, c.headDim());
        assertEquals(3072, c.intermediateSize());
        assertEquals(512, c.maxSequenceLength());
    }

    @Test
    void bertAndRobertaDifferOnlyInData() throws IOException {
        EncoderConfig bert = parse(edit(n -> {
            n.put("model_type", "bert");
            n.remove("pad_token_id");
            n.remove("type_vocab_size");
            n.remove("layer_norm_eps");
        }));
        assertFalse(bert.robertaPositions());
        assertEquals(0, bert.positionOffset());
        assertEquals(0, bert.padTokenId());
        assertEquals(2, bert.typeVocabSize());
        assertEquals(1e-12f, bert.layerNormEps());
        assertEquals("bert.", bert.weightPrefix());
        assertEquals(514, bert.maxSequenceLength());

        EncoderConfig roberta = parse(edit(n -> n.put("model_type", "roberta")));
        assertTrue(roberta.robertaPositions());
        assertEquals(2, roberta.positionOffset());
        assertEquals("roberta.", roberta.weightPrefix());
    }

    @Test
    void refusesWhatItCannotRunNamingTheField() {
        bad(n -> n.put("model_type", "camembert"), "model_type", "\"camembert\"", "xlm-roberta, roberta, bert");
        bad(n -> n.remove("model_type"), "missing required field \"model_type\"");
        bad(n -> n.remove("hidden_size"), "missing required field \"hidden_size\"");
        bad(n -> n.remove("num_hidden_layers"), "\"num_hidden_layers\"");
        bad(n -> n.put("hidden_act", "gelu_new"), "hidden_act", "gelu_new", "supported: gelu");
        bad(n -> n.put("hidden_act", "relu"), "hidden_act", "relu");
        bad(n -> n.put("position_embedding_type", "relative_key"), "position_embedding_type", "relative_key");
        bad(n -> n.put("num_attention_heads", 10), "hidden_size 768", "num_attention_heads 10");
        bad(n -> n.put("hidden_size", "768"), "\"hidden_size\"", "positive integer");
        bad(n -> n.put("vocab_size", 0), "\"vocab_size\"");
        bad(n -> n.put("layer_norm_eps", -1), "\"layer_norm_eps\"");
        bad(n -> n.put("pad_token_id", 600), "pad_token_id 600");
    }

    @Test
    void unreadableFiles() throws IOException {
        Path missing = dir.resolve("nope.json");
        var e = assertThrows(ModelFormatException.class, () -> EncoderConfig.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("not found"));
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"model_type\": ");
        e = assertThrows(ModelFormatException.class, () -> EncoderConfig.load(broken));
        assertTrue(e.getMessage().contains(broken.toString()), e.getMessage());
        Path array = dir.resolve("array.json");
        Files.writeString(array, "[]");
        e = assertThrows(ModelFormatException.class, () -> EncoderConfig.load(array));
        assertTrue(e.getMessage().contains("JSON object"), e.getMessage());
    }

    // ------------------------------------------------------------------ helpers

    private int counter;

    private EncoderConfig parse(String json) throws IOException {
        Path f = dir.resolve("config" + (counter++) + ".json");
        Files.writeString(f, json);
        return EncoderConfig.load(f);
    }

    private static String edit(Consumer<ObjectNode> change) {
        try {
            ObjectNode n = (ObjectNode) JSON.readTree(E5_BASE_KOREAN);
            change.accept(n);
            return n.toString();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private void bad(Consumer<ObjectNode> change, String... parts) {
        Path f = dir.resolve("bad" + (counter++) + ".json");
        try {
            Files.writeString(f, edit(change));
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
        var e = assertThrows(ModelFormatException.class, () -> EncoderConfig.load(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        }
    }
}
