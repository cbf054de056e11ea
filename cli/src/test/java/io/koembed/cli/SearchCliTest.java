package io.koembed.cli;

import static io.koembed.cli.CliTestSupport.MODEL;
import static io.koembed.cli.CliTestSupport.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** koembed index / search / encode --precision, end to end on the tiny XLM-R fixture. */
class SearchCliTest {
    private static final List<String> CORPUS = List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다.",
            "한 남자가 해변에서 개를 산책시킨다.", "안녕하세요?", "한국어 문장 임베딩을 위한 버트 모델입니다.",
            "이집트 군대가 형제애를 단속하다", "두 남자가 축구 경기를 보고 간식을 먹는다.");

    @TempDir
    Path tmp;

    @Test
    void indexThenSearchThenAppend() throws IOException {
        Path corpus = tmp.resolve("corpus.txt");
        Files.write(corpus, CORPUS, StandardCharsets.UTF_8);
        Path index = tmp.resolve("idx");
        CliTestSupport.Result r = run("index", "--model", MODEL.toString(), "--input", corpus.toString(), "--index", index.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("indexed 7 texts"), r.err());

        CliTestSupport.Result s = run("search", "--index", index.toString(), "-k", "3", CORPUS.get(2), "해변");
        assertEquals(0, s.code(), s.err());
        List<JsonNode> lines = CliTestSupport.lines(s.out());
        assertEquals(2, lines.size());
        JsonNode first = lines.get(0);
        assertEquals(CORPUS.get(2), first.get("query").asText());
        assertEquals(3, first.get("hits").size());
        JsonNode top = first.get("hits").get(0);
        assertEquals("2", top.get("id").asText());
        assertEquals(CORPUS.get(2), top.get("text").asText());
        assertEquals(1.0, top.get("score").asDouble(), 1e-5);
        assertTrue(first.get("hits").get(1).get("score").asDouble() <= top.get("score").asDouble());

        // append a .jsonl with explicit ids, one replacing an automatic id
        Path more = tmp.resolve("more.jsonl");
        Files.writeString(more, "{\"id\": \"beach\", \"text\": \"해변에서 노는 아이들\"}\n\"자동 아이디\"\n"
                + "{\"id\": 3, \"text\": \"바뀐 인사\"}\n", StandardCharsets.UTF_8);
        r = run("index", "-m", MODEL.toString(), "-i", more.toString(), "--index", index.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("appended 3 texts") && r.err().contains("9 documents now"), r.err());
        s = run("search", "--index", index.toString(), "-k", "1", "--model", MODEL.toString(), "해변에서 노는 아이들", "바뀐 인사", "자동 아이디");
        assertEquals(0, s.code(), s.err());
        lines = CliTestSupport.lines(s.out());
        assertEquals("beach", lines.get(0).get("hits").get(0).get("id").asText());
        assertEquals("3", lines.get(1).get("hits").get(0).get("id").asText());
        assertEquals("바뀐 인사", lines.get(1).get("hits").get(0).get("text").asText());
        assertEquals("7", lines.get(2).get("hits").get(0).get("id").asText());

        // creation-only options that disagree with the index
        r = run("index", "-m", MODEL.toString(), "-i", more.toString(), "--index", index.toString(), "--truncate-dim", "8");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("already exists with other settings: --truncate-dim"), r.err());
    }

    @Test
    void refusesAnotherModel() throws IOException {
        Path corpus = tmp.resolve("c.txt");
        Files.write(corpus, CORPUS, StandardCharsets.UTF_8);
        Path index = tmp.resolve("idx");
        assertEquals(0, run("index", "-m", MODEL.toString(), "-i", corpus.toString(), "--index", index.toString()).code());
        Path other = tmp.resolve("other-model");
        try (Stream<Path> s = Files.walk(MODEL)) {
            for (Path p : s.toList()) {
                Path t = other.resolve(MODEL.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
        try (FileChannel ch = FileChannel.open(other.resolve("model.safetensors"), StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long at = 8 + len.flip().getLong() + 1000;
            ch.write(ByteBuffer.wrap(new byte[] {42, 42, 42, 42}), at);
        }
        CliTestSupport.Result s = run("search", "--index", index.toString(), "--model", other.toString(), "해변");
        assertEquals(1, s.code());
        assertTrue(s.err().startsWith("koembed: error: the index at ") && s.err().contains("was built by the model at"), s.err());
        assertEquals(1, s.err().strip().lines().count(), s.err());
        CliTestSupport.Result a = run("index", "-m", other.toString(), "-i", corpus.toString(), "--index", index.toString());
        assertEquals(1, a.code());
        assertTrue(a.err().contains("was built by the model at"), a.err());
    }

    @Test
    void badInputIsOneLineWithFileAndLine() throws IOException {
        Path index = tmp.resolve("idx");
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "");
        CliTestSupport.Result r = run("index", "-m", MODEL.toString(), "-i", empty.toString(), "--index", index.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("empty.txt: no texts to index"), r.err());
        assertFalse(Files.exists(index.resolve("koembed-index.json")), "no index is created from bad input");

        Path blank = tmp.resolve("blank.txt");
        Files.writeString(blank, "하나\n\n셋\n");
        r = run("index", "-m", MODEL.toString(), "-i", blank.toString(), "--index", index.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("blank.txt:2: empty text"), r.err());

        Path bad = tmp.resolve("bad.jsonl");
        Files.writeString(bad, "\"좋아\"\n{\"id\": \"x\"}\n");
        r = run("index", "-m", MODEL.toString(), "-i", bad.toString(), "--index", index.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.jsonl:2: expected a string field \"text\""), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());

        r = run("search", "--index", tmp.resolve("nowhere").toString(), "질문");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no index there"), r.err());
    }

    @Test
    void longTextsAreTruncatedWithAWarning() throws IOException {
        String longText = "한 남자가 해변에서 개를 산책시킨다. ".repeat(60);
        Path corpus = tmp.resolve("long.txt");
        Files.write(corpus, List.of("짧은 문장", longText), StandardCharsets.UTF_8);
        Path index = tmp.resolve("idx");
        CliTestSupport.Result r = run("index", "-m", MODEL.toString(), "-i", corpus.toString(), "--index", index.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("1 text is longer than the model's max_seq_length of 128 tokens")
                && r.err().contains("long.txt:2"), r.err());
        CliTestSupport.Result s = run("search", "--index", index.toString(), "-k", "1", longText);
        assertEquals(0, s.code(), s.err());
        assertTrue(s.err().contains("query 1 is") && s.err().contains("reads only the first 128"), s.err());
        assertEquals("1", CliTestSupport.lines(s.out()).get(0).get("hits").get(0).get("id").asText());
    }

    @Test
    void encodePrecisionAndTruncateDim() throws IOException {
        Path in = tmp.resolve("in.txt");
        Files.write(in, CORPUS, StandardCharsets.UTF_8);
        CliTestSupport.Result f = run("encode", "-m", MODEL.toString(), "-i", in.toString(), "--truncate-dim", "16", "--normalize");
        assertEquals(0, f.code(), f.err());
        JsonNode v = CliTestSupport.lines(f.out()).get(0).get("embedding");
        assertEquals(16, v.size());
        double norm = 0;
        for (JsonNode x : v) {
            norm += x.asDouble() * x.asDouble();
        }
        assertEquals(1.0, norm, 1e-5);

        CliTestSupport.Result i8 = run("encode", "-m", MODEL.toString(), "-i", in.toString(), "--precision", "int8");
        assertEquals(0, i8.code(), i8.err());
        List<JsonNode> rows = CliTestSupport.lines(i8.out());
        assertEquals(CORPUS.size(), rows.size());
        assertEquals(64, rows.get(0).get("embedding").size());
        boolean sawMin = false;
        for (JsonNode row : rows) {
            for (JsonNode x : row.get("embedding")) {
                assertTrue(x.isInt() && x.asInt() >= -128 && x.asInt() <= 127);
                sawMin |= x.asInt() == -128;
            }
        }
        assertTrue(sawMin, "self-calibrated int8 puts each dimension's minimum at -128");

        CliTestSupport.Result ub = run("encode", "-m", MODEL.toString(), "-i", in.toString(), "--precision", "ubinary");
        assertEquals(0, ub.code(), ub.err());
        JsonNode bits = CliTestSupport.lines(ub.out()).get(0).get("embedding");
        assertEquals(8, bits.size()); // 64 dims, 8 per number
        for (JsonNode x : bits) {
            assertTrue(x.asInt() >= 0 && x.asInt() <= 255);
        }
        CliTestSupport.Result bad = run("encode", "-m", MODEL.toString(), "-i", in.toString(), "--precision", "float16");
        assertEquals(2, bad.code());
    }
}
