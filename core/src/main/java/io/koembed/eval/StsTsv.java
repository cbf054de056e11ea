package io.koembed.eval;

import java.nio.file.Path;
import java.util.List;

/**
 * The KorSTS / STS-B layout: one pair a line, fields split on TAB with no quote handling (the sentences hold
 * literal {@code "}), {@code genre filename year id score sentence1 sentence2}, or 9 fields where STS-B adds two
 * source fields after {@code sentence2}.
 */
final class StsTsv {
    private static final String FIELDS = "genre, filename, year, id, score, sentence1, sentence2";

    private StsTsv() {}

    static void parse(Path file, List<String> lines, StsDataset.Header header, StsPairs into) {
        for (int i = 0; i < lines.size(); i++) {
            int lineNo = i + 1;
            String[] f = lines.get(i).split("\t", -1);
            if (i == 0) {
                boolean looksLikeHeader = f.length >= 5 && f[4].trim().equalsIgnoreCase("score");
                if (header == StsDataset.Header.REQUIRED && !looksLikeHeader) {
                    throw StsDataException.at(file, lineNo, "expected the header line (" + FIELDS.replace(", ", " ")
                            + "), found: " + StsPairs.abbreviate(lines.get(i)));
                }
                if (looksLikeHeader && header != StsDataset.Header.NONE) {
                    continue;
                }
            }
            if (f.length != 7 && f.length != 9) {
                throw StsDataException.at(file, lineNo, "found " + f.length + (f.length == 1 ? " field" : " fields")
                        + ", expected 7 separated by tabs (" + FIELDS + "), or 9 as in STS-B"
                        + (lines.get(i).isEmpty() ? " (empty line)" : ""));
            }
            into.add(f[5], f[6], StsPairs.score(file, lineNo, f[4]));
        }
    }
}
