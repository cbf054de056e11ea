package io.koembed.eval;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the folder with the shipped data sets (korsts/, klue-sts/, stsb/): the system property
 * {@code koembed.data} if set (the build sets it for the tests); else {@code $koembed.home/data} (bin/koembed sets
 * {@code koembed.home} to the repository root); else the first ancestor of the running code's location that has a
 * {@code data/korsts} folder (a build inside the repository).
 */
final class DataFolder {
    private DataFolder() {}

    static Path locate() {
        String data = System.getProperty("koembed.data");
        if (data != null && !data.isBlank()) {
            return Path.of(data);
        }
        List<Path> tried = new ArrayList<>();
        String home = System.getProperty("koembed.home");
        if (home != null && !home.isBlank()) {
            Path p = Path.of(home).resolve("data");
            if (Files.isDirectory(p)) {
                return p;
            }
            tried.add(p);
        }
        try {
            var location = DataFolder.class.getProtectionDomain().getCodeSource();
            if (location != null) {
                for (Path p = Path.of(location.getLocation().toURI()).toAbsolutePath(); p != null; p = p.getParent()) {
                    if (Files.isDirectory(p.resolve("data").resolve("korsts"))) {
                        return p.resolve("data");
                    }
                }
            }
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            // fall through to the error below
        }
        throw new StsDataException("cannot find KoEmbed's data folder" + (tried.isEmpty() ? "" : " (tried " + tried + ")")
                + "; set -Dkoembed.data=DIR (a folder with korsts/, klue-sts/, stsb/) or give a dataset file");
    }
}
