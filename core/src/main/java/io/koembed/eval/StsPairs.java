package io.koembed.eval;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** The pairs a parser has read so far, and the checks every format shares (scores, quoting file text). */
final class StsPairs {
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    private final List<String> sentences1 = new ArrayList<>();
    private final List<String> sentences2 = new ArrayList<>();
    private final List<Double> scores = new ArrayList<>();

    void add(String sentence1, String sentence2, double score) {
        sentences1.add(sentence1);
        sentences2.add(sentence2);
        scores.add(score);
    }

    boolean isEmpty() {
        return scores.isEmpty();
    }

    StsDataset toDataset(String name, Path source) {
        double[] s = new double[scores.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
        }
        return new StsDataset(name, source, sentences1, sentences2, s);
    }

    /** A gold score written as a decimal number (not nan, inf or hex); surrounding white space is allowed. */
    static double score(Path file, long line, String field) {
        String s = field.strip();
        if (!NUMBER.matcher(s).matches()) {
            throw StsDataException.at(file, line, "score '" + abbreviate(field) + "' is not a number");
        }
        double v = Double.parseDouble(s);
        if (!Double.isFinite(v)) {
            throw StsDataException.at(file, line, "score '" + abbreviate(field) + "' is out of the range of a double");
        }
        return v;
    }

    /** File text shown in an error message, cut to 60 characters. */
    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
