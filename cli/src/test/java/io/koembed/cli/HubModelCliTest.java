package io.koembed.cli;

import static io.koembed.cli.CliTestSupport.MODEL;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --model ORG/NAME[@REV]} through the huggingface_hub cache. The CLI tests run with HF_HUB_OFFLINE=1 and
 * HF_HUB_CACHE under target/ (see cli/pom.xml); this test puts the fixture there as huggingface_hub would (a
 * snapshot folder and refs/main; copies, as where a file system has no symbolic links). Downloading itself is tested
 * in core against a local stand-in for the Hub (HubClientTest).
 */
class HubModelCliTest {
    private static final String REPO = "koembed-test/tiny-xlmr-ko";
    private static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

    @TempDir
    static Path tmp;
    static Path input;

    @BeforeAll
    static void cacheTheFixture() throws IOException {
        Path cache = Path.of(System.getenv("HF_HUB_CACHE"));
        Path repo = cache.resolve("models--koembed-test--tiny-xlmr-ko");
        Path snapshot = repo.resolve("snapshots").resolve(COMMIT);
        try (Stream<Path> files = Files.walk(MODEL)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = snapshot.resolve(MODEL.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), COMMIT);
        input = tmp.resolve("texts.txt");
        Files.writeString(input, "아이를 가진 엄마가 해변을 걷는다.\n두 사람이 해변을 걷는다.\n");
    }

    @Test
    void aHubIdGivesWhatTheLocalDirectoryGives() {
        CliTestSupport.Result local = CliTestSupport.run("encode", "--model", MODEL.toString(), "--input", input.toString());
        assertEquals(0, local.code(), local.err());
        for (String[] model : new String[][] {{REPO}, {REPO + "@main"}, {REPO, "--revision", "main"},
                {REPO + "@" + COMMIT}}) {
            String[] args = Stream.concat(Stream.of("encode", "--input", input.toString(), "--model"),
                    Stream.of(model)).toArray(String[]::new);
            CliTestSupport.Result hub = CliTestSupport.run(args);
            assertEquals(0, hub.code(), hub.err());
            assertEquals(local.out(), hub.out(), String.join(" ", model));
        }
    }

    @Test
    void withoutTheModelInTheCacheOneLineSaysWhatWasTried() {
        CliTestSupport.Result r = CliTestSupport.run("similarity", "a", "b"); // the default model, upskyy/e5-base-korean
        assertEquals(1, r.code());
        assertEquals("koembed: error: upskyy/e5-base-korean@main is not in the cache (looked for "
                + Path.of(System.getenv("HF_HUB_CACHE"), "models--upskyy--e5-base-korean", "refs", "main")
                + ") and HF_HUB_OFFLINE is set, so the Hub was not asked; unset HF_HUB_OFFLINE to download it, or "
                + "pass a local model directory instead (e.g. one made by `huggingface-cli download "
                + "upskyy/e5-base-korean --local-dir DIR`)\n", r.err());
    }

    @Test
    void aRevisionIsGivenOnceAndOnlyForHubIds() {
        CliTestSupport.Result twice = CliTestSupport.run("similarity", "--model", REPO + "@main", "--revision", "main", "a", "b");
        assertEquals(2, twice.code(), "a usage error");
        assertEquals("koembed: error: give the revision once: " + REPO + "@main already names one, so drop "
                + "--revision\n", twice.err());
        CliTestSupport.Result local = CliTestSupport.run("similarity", "--model", MODEL.toString(), "--revision", "main", "a", "b");
        assertEquals(2, local.code(), "a usage error");
        assertEquals("koembed: error: --revision is for Hub model ids, but " + MODEL + " is a local directory\n",
                local.err());
        CliTestSupport.Result bad = CliTestSupport.run("similarity", "--model", "a/b", "--revision", "../x", "a", "b");
        assertEquals("koembed: error: revision '../x' of a/b: '..' is not allowed as a part of it\n", bad.err());
    }
}
