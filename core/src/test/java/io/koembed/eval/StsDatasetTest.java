package io.koembed.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readers on the shipped data sets (pair counts, quirks) and on malformed files (file:line errors). */
class StsDatasetTest {
    @TempDir
    Path tmp;

    Path write(String name, String content) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    StsDataException fails(Path file) {
        return assertThrows(StsDataException.class, () -> StsDataset.read(file));
    }

    @Test
    void dataFolderIsTheRepositorysDataFolder() {
        Path data = StsDataset.dataDirectory();
        assertEquals(Fixtures.testdata().toAbsolutePath().normalize().getParent().resolve("data"),
                data.toAbsolutePath().normalize());
        assertTrue(Files.isRegularFile(data.resolve("korsts/LICENSE")));
        assertTrue(Files.isRegularFile(data.resolve("klue-sts/License.md")));
        assertTrue(Files.isRegularFile(data.resolve("stsb/LICENSE.txt")));
    }

    @Test
    void namedSetsHaveTheirPairCounts() {
        assertEquals(List.of("korsts-dev", "korsts-test", "klue-sts-dev", "stsb-dev", "stsb-test"), StsDataset.names());
        int[] expected = {1500, 1379, 519, 1500, 1379};
        for (int i = 0; i < expected.length; i++) {
            String name = StsDataset.names().get(i);
            StsDataset d = StsDataset.named(name);
            assertEquals(expected[i], d.size(), name);
            assertEquals(name, d.name());
            assertEquals(d.size(), d.sentences1().size());
            assertEquals(d.size(), d.sentences2().size());
        }
    }

    @Test
    void korstsDevFirstAndLastPairsAndQuotes() {
        StsDataset d = StsDataset.named("korsts-dev");
        assertEquals("안전모를 가진 한 남자가 춤을 추고 있다.", d.sentences1().get(0));
        assertEquals("안전모를 쓴 한 남자가 춤을 추고 있다.", d.sentences2().get(0));
        assertEquals(5.0, d.scores()[0]);
        assertEquals(4.75, d.scores()[1]);
        // The file has no final newline: the last pair is still read whole.
        assertTrue(!d.sentences2().get(1499).isEmpty());
        // Literal quotes stay in the text (no CSV quote handling).
        assertTrue(d.sentences1().stream().anyMatch(s -> s.contains("\"")) || d.sentences2().stream().anyMatch(s -> s.contains("\"")));
        for (double s : d.scores()) {
            assertTrue(s >= 0 && s <= 5, "score " + s);
        }
    }

    @Test
    void stsbMatchesKorstsScoresRowByRow() {
        StsDataset en = StsDataset.named("stsb-dev");
        StsDataset ko = StsDataset.named("korsts-dev");
        assertArrayEquals(ko.scores(), en.scores());
        StsDataset enTest = StsDataset.named("stsb-test");
        StsDataset koTest = StsDataset.named("korsts-test");
        assertArrayEquals(koTest.scores(), enTest.scores());
    }

    @Test
    void kluestsDevReadsLabelsLabel() {
        StsDataset d = StsDataset.named("klue-sts-dev");
        assertEquals("무엇보다도 호스트분들이 너무 친절하셨습니다.", d.sentences1().get(0));
        assertEquals(4.9, d.scores()[0]);
    }

    @Test
    void resolveNamesAndFiles() throws IOException {
        assertEquals(1500, StsDataset.resolve("korsts-dev").size());
        Path f = write("mine.jsonl", "{\"sentence1\":\"a\",\"sentence2\":\"b\",\"score\":1}\n"
                + "{\"sentence1\":\"c\",\"sentence2\":\"d\",\"score\":\"2.5\"}\n");
        StsDataset d = StsDataset.resolve(f.toString());
        assertEquals("mine", d.name());
        assertArrayEquals(new double[] {1, 2.5}, d.scores());
        StsDataException e = assertThrows(StsDataException.class, () -> StsDataset.resolve("korsts-devv"));
        assertTrue(e.getMessage().contains("korsts-dev, korsts-test, klue-sts-dev, stsb-dev, stsb-test"), e.getMessage());
    }

    @Test
    void tsvWithHeaderCrlfBomAndNineFields() throws IOException {
        Path f = write("x.tsv", "\uFEFFgenre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\r\n"
                + "g\tf\t2012\t0001\t3.5\t\"quoted\" one\ttwo\r\n"
                + "g\tf\t2012\t0002\t7.25\tthree\tfour\tsrc\tlicence\r\n");
        StsDataset d = StsDataset.read(f);
        assertEquals(List.of("\"quoted\" one", "three"), d.sentences1());
        assertEquals(List.of("two", "four"), d.sentences2());
        assertArrayEquals(new double[] {3.5, 7.25}, d.scores()); // out of [0, 5] is data, not an error
    }

    @Test
    void tsvWithoutHeader() throws IOException {
        StsDataset d = StsDataset.read(write("y.csv", "g\tf\t2012\t1\t0.0\ta\tb\ng\tf\t2012\t2\t5\tc\td"));
        assertEquals(2, d.size());
    }

    @Test
    void missingColumnsNameFileAndLine() throws IOException {
        Path f = write("bad.tsv", "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\n"
                + "g\tf\t2012\t1\t1.0\ta\tb\n"
                + "g\tf\t2012\t2\t1.0\tonly one sentence\n");
        StsDataException e = fails(f);
        assertTrue(e.getMessage().startsWith(f + ":3: found 6 fields, expected 7"), e.getMessage());
    }

    @Test
    void nonNumericScoreNamesFileAndLine() throws IOException {
        Path f = write("bad2.tsv", "g\tf\t2012\t1\t1.0\ta\tb\ng\tf\t2012\t2\tfive\tc\td\n");
        StsDataException e = fails(f);
        assertEquals(f + ":2: score 'five' is not a number", e.getMessage());
        assertTrue(fails(write("nan.tsv", "g\tf\t2012\t2\tnan\tc\td\n")).getMessage().endsWith(":1: score 'nan' is not a number"));
    }

    @Test
    void emptyFilesAndEmptyLines() throws IOException {
        assertEquals(tmp.resolve("empty.tsv") + ": empty file: no sentence pairs", fails(write("empty.tsv", "")).getMessage());
        assertTrue(fails(write("header-only.tsv", "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2\n"))
                .getMessage().endsWith(": no sentence pairs"));
        assertTrue(fails(write("blank.tsv", "g\tf\t2012\t1\t1.0\ta\tb\n\ng\tf\t2012\t1\t1.0\ta\tb\n"))
                .getMessage().contains("blank.tsv:2: found 1 field"));
        assertTrue(fails(write("empty.jsonl", "\n")).getMessage().contains("empty.jsonl:1: empty line"));
        assertTrue(fails(write("empty.json", "[]")).getMessage().endsWith("no sentence pairs"));
    }

    @Test
    void requiredHeaderIsChecked() throws IOException {
        Path f = write("nohead.tsv", "g\tf\t2012\t1\t1.0\ta\tb\n");
        StsDataException e = assertThrows(StsDataException.class,
                () -> StsDataset.read(f, StsDataset.Format.TSV, StsDataset.Header.REQUIRED, "x"));
        assertTrue(e.getMessage().startsWith(f + ":1: expected the header line"), e.getMessage());
    }

    @Test
    void badJsonlLines() throws IOException {
        Path f = write("b.jsonl", "{\"sentence1\":\"a\",\"sentence2\":\"b\",\"score\":1}\n{\"sentence1\":\"a\",\"score\":1}\n");
        assertEquals(f + ":2: missing \"sentence2\"", fails(f).getMessage());
        Path g = write("c.jsonl", "{\"sentence1\":\"a\",\"sentence2\":\"b\",\"score\":\"high\"}\n");
        assertEquals(g + ":1: score 'high' is not a number", fails(g).getMessage());
        Path h = write("d.jsonl", "{\"sentence1\":\"a\",\n");
        assertTrue(fails(h).getMessage().startsWith(h + ":1: not valid JSON"));
    }

    @Test
    void badKlueJson() throws IOException {
        Path f = write("k.json", "[\n  {\"guid\": \"g0\", \"sentence1\": \"a\", \"sentence2\": \"b\", \"labels\": {\"label\": 1.5}},\n"
                + "  {\"guid\": \"g1\", \"sentence1\": \"a\", \"sentence2\": \"b\", \"labels\": {\"real-label\": 1.5}}\n]\n");
        assertEquals(f + ":3: item 1 (g1): missing \"labels.label\"", fails(f).getMessage());
        Path g = write("k2.json", "{\"not\": \"an array\"}");
        assertTrue(fails(g).getMessage().startsWith(g + ":1: expected a JSON array"));
    }

    @Test
    void invalidUtf8NamesTheLine() throws IOException {
        Path f = tmp.resolve("latin1.tsv");
        byte[] head = "g\tf\t2012\t1\t1.0\ta\tb\ng\tf\t2012\t1\t1.0\t".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + 4];
        System.arraycopy(head, 0, all, 0, head.length);
        all[head.length] = (byte) 0xE9; // é in Latin-1
        all[head.length + 1] = '\t';
        all[head.length + 2] = 'x';
        all[head.length + 3] = '\n';
        Files.write(f, all);
        assertTrue(fails(f).getMessage().startsWith(f + ":2: invalid UTF-8"), fails(f).getMessage());
    }

    @Test
    void missingFile() {
        Path f = tmp.resolve("nope.tsv");
        assertEquals(f + ": file not found", fails(f).getMessage());
    }
}
