package io.koembed.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The KorSTS TSV files: tab-separated, header {@code genre filename year id score sentence1 sentence2}. */
public final class KorSts {

    private static final String HEADER = "genre\tfilename\tyear\tid\tscore\tsentence1\tsentence2";

    private KorSts() {}

    /**
     * sentence1 and sentence2 of every row, in file order (row 1's pair, row 2's pair, ...). Lines are split on
     * tabs with no quote handling, as the file has no quoting.
     */
    public static List<String> sentences(Path tsv) {
        List<String> lines;
        try {
            lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read KorSTS file " + tsv + ": " + e.getMessage(), e);
        }
        return parse(lines, tsv.toString());
    }

    static List<String> parse(List<String> lines, String source) {
        if (lines.isEmpty() || !stripBom(lines.getFirst()).equals(HEADER)) {
            throw new IllegalArgumentException(source + ": expected the header '" + HEADER.replace('\t', ' ')
                    + "' (tab-separated)");
        }
        List<String> out = new ArrayList<>(2 * lines.size());
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() && i == lines.size() - 1) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 7) {
                throw new IllegalArgumentException(source + ":" + (i + 1) + ": expected 7 tab-separated fields, found "
                        + f.length);
            }
            out.add(f[5]);
            out.add(f[6]);
        }
        return out;
    }

    private static String stripBom(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }
}
