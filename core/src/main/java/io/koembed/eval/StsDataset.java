package io.koembed.eval;

import io.koembed.TextFileException;
import io.koembed.TextFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An STS evaluation set: sentence pairs with a gold similarity score each, in file order.
 *
 * <p>Scores are kept exactly as the file gives them (KorSTS, STS-B and KLUE-STS: 0 to 5). sentence-transformers'
 * evaluator also takes the gold scores as given; the model card of {@code upskyy/e5-base-korean} was made with
 * the KorSTS scores divided by 5, which changes no Pearson or Spearman correlation. A score outside [0, 5] is
 * data, not an error.
 *
 * <h2>Formats</h2>
 * <ul>
 *   <li>{@link Format#TSV}: KorSTS / STS-B layout, one pair a line, fields split on TAB with no quote handling
 *       ({@code genre filename year id score sentence1 sentence2}, 7 fields, or 9 where STS-B adds two source
 *       fields after {@code sentence2}). A first line whose fifth field is {@code score} is a header.</li>
 *   <li>{@link Format#KLUE_JSON}: KLUE-STS, a JSON array of {@code {sentence1, sentence2, labels: {label}}}.</li>
 *   <li>{@link Format#JSONL}: one {@code {"sentence1": ..., "sentence2": ..., "score": ...}} object a line.</li>
 * </ul>
 * Files are read as {@link TextFiles} reads every text file: strict UTF-8 (a leading byte order mark is skipped),
 * lines ending at LF, CRLF or a lone CR. A malformed file is a {@link StsDataException} naming the file and line.
 *
 * @param name       short name, used in output file names (e.g. {@code korsts-dev}, or the file's base name)
 * @param source     the file the pairs were read from
 * @param sentences1 first sentence of each pair
 * @param sentences2 second sentence of each pair
 * @param scores     gold score of each pair, as given in the file
 */
public record StsDataset(String name, Path source, List<String> sentences1, List<String> sentences2,
                         double[] scores) {

    /** How a file is laid out. */
    public enum Format {
        /** Tab-separated KorSTS / STS-B rows. */
        TSV,
        /** KLUE-STS JSON array. */
        KLUE_JSON,
        /** JSON Lines with sentence1, sentence2, score. */
        JSONL;

        /** The format a file name implies: .jsonl/.ndjson, .json, anything else (.tsv, .csv, .txt) TSV. */
        public static Format of(Path file) {
            String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
                return JSONL;
            }
            if (n.endsWith(".json")) {
                return KLUE_JSON;
            }
            return TSV;
        }
    }

    /** Whether a TSV file starts with a header line. */
    public enum Header {
        /** The first line must be the header (KorSTS). */
        REQUIRED,
        /** No header: the first line is a pair (STS-B). */
        NONE,
        /** A header if the first line's fifth field is "score". */
        DETECT
    }

    public StsDataset {
        Objects.requireNonNull(name, "name");
        sentences1 = List.copyOf(sentences1);
        sentences2 = List.copyOf(sentences2);
        scores = scores.clone();
        if (sentences1.size() != sentences2.size() || sentences1.size() != scores.length) {
            throw new IllegalArgumentException("sentences1, sentences2 and scores differ in length: "
                    + sentences1.size() + ", " + sentences2.size() + ", " + scores.length);
        }
    }

    /** A data set from lists in memory. */
    public static StsDataset of(String name, List<String> sentences1, List<String> sentences2, double[] scores) {
        return new StsDataset(name, null, sentences1, sentences2, scores);
    }

    /** The same pairs under another name (the name goes into output file names). */
    public StsDataset withName(String newName) {
        return new StsDataset(newName, source, sentences1, sentences2, scores);
    }

    /** Number of pairs. */
    public int size() {
        return scores.length;
    }

    @Override
    public double[] scores() {
        return scores.clone();
    }

    // ---- named sets ---------------------------------------------------------------------------------------

    /** The names {@link #named} knows, in a fixed order. */
    public static List<String> names() {
        return NamedStsSets.names();
    }

    /** Whether {@code name} is one of {@link #names()}. */
    public static boolean isNamed(String name) {
        return NamedStsSets.contains(name);
    }

    /** A set shipped in the repository's data folder ({@link #dataDirectory()}), e.g. {@code korsts-dev}. */
    public static StsDataset named(String name) {
        return named(name, dataDirectory());
    }

    /** A named set read from the given data folder. */
    public static StsDataset named(String name, Path dataDirectory) {
        return NamedStsSets.read(name, dataDirectory);
    }

    /**
     * A named set (see {@link #names()}) or else a file path: .jsonl, .json (KLUE-STS layout) or a TSV in the
     * KorSTS / STS-B layout.
     */
    public static StsDataset resolve(String nameOrFile) {
        if (isNamed(nameOrFile)) {
            return named(nameOrFile);
        }
        Path file = Path.of(nameOrFile);
        if (!Files.exists(file)) {
            throw new StsDataException("unknown dataset '" + nameOrFile + "': no such file, and not one of "
                    + String.join(", ", names()));
        }
        return read(file);
    }

    /**
     * The folder with the shipped data sets: the system property {@code koembed.data} if set; else
     * {@code $koembed.home/data} (bin/koembed sets {@code koembed.home} to the repository root); else the first
     * ancestor of the running code's location that has a {@code data/korsts} folder.
     */
    public static Path dataDirectory() {
        return DataFolder.locate();
    }

    // ---- files --------------------------------------------------------------------------------------------

    /** Reads a file in the format its name implies (header detected for TSV); the name is the base name. */
    public static StsDataset read(Path file) {
        return read(file, Format.of(file), Header.DETECT, baseName(file));
    }

    /** Reads a file in the given format. */
    public static StsDataset read(Path file, Format format, Header header, String name) {
        StsPairs pairs = new StsPairs();
        try {
            byte[] bytes = TextFiles.read(file);
            if (format == Format.KLUE_JSON) {
                StsJson.parseKlue(file, TextFiles.text(file.toString(), bytes), pairs);
            } else {
                List<String> lines = TextFiles.lines(file.toString(), bytes);
                if (lines.isEmpty()) {
                    throw StsDataException.in(file, "empty file: no sentence pairs");
                }
                if (format == Format.TSV) {
                    StsTsv.parse(file, lines, header, pairs);
                } else {
                    StsJson.parseLines(file, lines, pairs);
                }
            }
        } catch (TextFileException e) {
            throw new StsDataException(e.getMessage(), e);
        }
        if (pairs.isEmpty()) {
            throw StsDataException.in(file, "no sentence pairs");
        }
        return pairs.toDataset(name, file);
    }

    /** The file name without its last extension: {@code sts-dev.tsv} gives {@code sts-dev}. */
    static String baseName(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StsDataset d && name.equals(d.name) && Objects.equals(source, d.source)
                && sentences1.equals(d.sentences1) && sentences2.equals(d.sentences2)
                && Arrays.equals(scores, d.scores);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, source, sentences1, sentences2, Arrays.hashCode(scores));
    }

    @Override
    public String toString() {
        return "StsDataset[" + name + ", " + size() + " pairs" + (source == null ? "" : ", " + source) + "]";
    }
}
