package io.koembed.eval;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The data sets shipped in the repository's {@code data/} folder (see data/README.md), by name: where each file
 * is, its layout, and how many pairs it has, which is checked so that a modified copy does not pass unnoticed.
 */
final class NamedStsSets {
    private record Named(String relativePath, StsDataset.Format format, StsDataset.Header header, int expectedPairs) {}

    private static final Map<String, Named> NAMED = new LinkedHashMap<>();

    static {
        NAMED.put("korsts-dev", new Named("korsts/sts-dev.tsv", StsDataset.Format.TSV, StsDataset.Header.REQUIRED, 1500));
        NAMED.put("korsts-test", new Named("korsts/sts-test.tsv", StsDataset.Format.TSV, StsDataset.Header.REQUIRED, 1379));
        NAMED.put("klue-sts-dev", new Named("klue-sts/klue-sts-v1.1_dev.json", StsDataset.Format.KLUE_JSON,
                StsDataset.Header.NONE, 519));
        NAMED.put("stsb-dev", new Named("stsb/sts-dev.csv", StsDataset.Format.TSV, StsDataset.Header.NONE, 1500));
        NAMED.put("stsb-test", new Named("stsb/sts-test.csv", StsDataset.Format.TSV, StsDataset.Header.NONE, 1379));
    }

    private NamedStsSets() {}

    static List<String> names() {
        return List.copyOf(NAMED.keySet());
    }

    static boolean contains(String name) {
        return NAMED.containsKey(name);
    }

    static StsDataset read(String name, Path dataDirectory) {
        Named n = NAMED.get(name);
        if (n == null) {
            throw new StsDataException("unknown dataset '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        Path file = dataDirectory.resolve(n.relativePath);
        StsDataset d = StsDataset.read(file, n.format, n.header, name);
        if (d.size() != n.expectedPairs) {
            throw StsDataException.in(file, "expected " + n.expectedPairs + " pairs for " + name + ", read "
                    + d.size() + " (is the file a modified copy?)");
        }
        return d;
    }
}
