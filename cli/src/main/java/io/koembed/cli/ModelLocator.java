package io.koembed.cli;

import io.koembed.hub.DownloadProgress;
import io.koembed.hub.HubClient;
import io.koembed.hub.ModelId;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@code --model} value as a model directory: an existing directory wins; otherwise a Hub id
 * ({@code org/name} or {@code org/name@revision}) is fetched into the huggingface_hub cache with the environment's
 * settings, with download progress on stderr.
 */
final class ModelLocator {
    private ModelLocator() {}

    static Path locate(String model, String revision, PrintWriter err) {
        HubClient hub = HubClient.builder().progress(new DownloadMeter(err)).build();
        if (revision == null) {
            return hub.locate(model);
        }
        if (Files.isDirectory(Path.of(model))) {
            throw new UsageError("--revision is for Hub model ids, but " + model + " is a local directory");
        }
        if (model.contains("@")) {
            throw new UsageError("give the revision once: " + model + " already names one, so drop --revision");
        }
        return hub.resolve(new ModelId(model, revision));
    }

    /** One {@link ProgressMeter} per file downloaded, counting MB: quiet for files that take under 2 s. */
    private static final class DownloadMeter implements DownloadProgress {
        private final PrintWriter err;
        private String current;
        private ProgressMeter meter;

        DownloadMeter(PrintWriter err) {
            this.err = err;
        }

        @Override
        public void update(String repoId, String file, long done, long total) {
            String name = repoId + " " + file;
            if (!name.equals(current)) {
                current = name;
                meter = new ProgressMeter(err, "download", name, "MB", true);
            }
            meter.update(done >> 20, total >> 20);
            if (done == total) {
                meter.finish();
            }
        }
    }
}
