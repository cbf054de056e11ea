package io.koembed.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.koembed.Fixtures;
import io.koembed.ModelFormatException;
import io.koembed.st.EncodeOptions;
import io.koembed.st.SentenceTransformer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HubClient against {@link FakeHub}, which serves the tiny-xlmr-ko fixture as repository koembed/tiny-xlmr-ko. */
class HubClientTest {
    private static final String REPO = "koembed/tiny-xlmr-ko";
    private static final List<String> TEXTS = List.of("아이를 가진 엄마가 해변을 걷는다.", "두 사람이 해변을 걷는다.");

    @TempDir
    Path tmp;
    private Path cache;
    private FakeHub hub;
    private Map<String, byte[]> fixture;
    /** main: the fixture plus files a model does not need; tag v1: the fixture with e5's prompts configured. */
    private String mainCommit;
    private String v1Commit;
    private final List<String> progress = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void serveFixture() throws IOException {
        cache = tmp.resolve("cache");
        hub = new FakeHub();
        fixture = FakeHub.filesOf(Fixtures.model("tiny-xlmr-ko"));
        Map<String, byte[]> main = new HashMap<>(fixture);
        main.put(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n".getBytes(StandardCharsets.UTF_8));
        main.put("onnx/model.onnx", new byte[] {1, 2, 3});
        main.put("openvino/openvino_model.bin", new byte[] {4, 5, 6});
        main.put("flax_model.msgpack", new byte[] {7});
        main.put("pytorch_model.bin", new byte[] {8}); // safetensors win
        mainCommit = hub.repo(REPO).commit("main", main);
        Map<String, byte[]> v1 = new HashMap<>(fixture);
        v1.put("config_sentence_transformers.json", ("{\"prompts\": {\"query\": \"query: \", \"passage\": "
                + "\"passage: \"}, \"default_prompt_name\": null, \"similarity_fn_name\": \"cosine\"}")
                .getBytes(StandardCharsets.UTF_8));
        v1Commit = hub.repo(REPO).commit("v1", v1);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubClient.Builder client() {
        return HubClient.builder(Map.of()).endpoint(hub.endpoint()).cacheDir(cache).retries(0)
                .progress((repo, file, done, total) -> progress.add(repo + " " + file + " " + done + "/" + total));
    }

    private Path repoFolder() {
        return cache.resolve("models--koembed--tiny-xlmr-ko");
    }

    @Test
    void downloadsWhatTheModelNeedsIntoHuggingfaceHubsLayout() throws IOException {
        Path snapshot = client().build().resolve(ModelId.parse(REPO));

        assertEquals(repoFolder().resolve("snapshots").resolve(mainCommit), snapshot);
        assertEquals(mainCommit, Files.readString(repoFolder().resolve("refs/main"))); // 40 hex digits, no newline
        String sha256 = FakeHub.sha256Hex(fixture.get("model.safetensors"));
        String sha1 = FakeHub.gitBlobSha1(fixture.get("config.json"));
        String poolingSha1 = FakeHub.gitBlobSha1(fixture.get("1_Pooling/config.json"));
        // relative links into blobs/, named by sha256 (LFS) or git blob sha1, as huggingface_hub makes them
        assertEquals(Path.of("../../blobs/" + sha256), Files.readSymbolicLink(snapshot.resolve("model.safetensors")));
        assertEquals(Path.of("../../blobs/" + sha1), Files.readSymbolicLink(snapshot.resolve("config.json")));
        assertEquals(Path.of("../../../blobs/" + poolingSha1),
                Files.readSymbolicLink(snapshot.resolve("1_Pooling/config.json")));
        for (var e : fixture.entrySet()) {
            if (!e.getKey().equals("README.md")) {
                assertArrayEquals(e.getValue(), Files.readAllBytes(snapshot.resolve(e.getKey())), e.getKey());
            }
        }
        for (String skipped : List.of("README.md", ".gitattributes", "onnx", "openvino", "flax_model.msgpack",
                "pytorch_model.bin")) {
            assertFalse(Files.exists(snapshot.resolve(skipped)), skipped + " should not be downloaded");
        }
        try (Stream<Path> blobs = Files.list(repoFolder().resolve("blobs"))) {
            assertTrue(blobs.noneMatch(b -> b.toString().endsWith(".incomplete")));
        }
        assertTrue(Files.exists(cache.resolve(".locks/models--koembed--tiny-xlmr-ko/" + sha256 + ".lock")));
        long size = fixture.get("model.safetensors").length;
        assertEquals(REPO + " model.safetensors " + size + "/" + size, progress.stream()
                .filter(p -> p.contains("model.safetensors")).reduce((a, b) -> b).orElseThrow());

        try (SentenceTransformer fromHub = SentenceTransformer.load(snapshot);
             SentenceTransformer local = SentenceTransformer.load(Fixtures.model("tiny-xlmr-ko"))) {
            assertArrayEquals(local.encode(TEXTS), fromHub.encode(TEXTS));
        }
    }

    @Test
    void aSecondResolveOnlyAsksWhichCommitTheBranchNames() {
        HubClient client = client().build();
        Path first = client.resolve(ModelId.parse(REPO));
        int filesFirst = hub.fileRequests().size();
        assertTrue(filesFirst > 0);
        hub.requests.clear();

        assertEquals(first, client.resolve(ModelId.parse(REPO)));
        assertEquals(List.of("GET /api/models/koembed/tiny-xlmr-ko/revision/main"),
                hub.requests.stream().map(r -> r.method() + " " + r.path()).toList());

        hub.requests.clear();
        assertEquals(first, client().offline(true).build().resolve(ModelId.parse(REPO)));
        assertEquals(first, client().offline(true).build().resolve(new ModelId(REPO, mainCommit)));
        assertEquals(List.of(), hub.requests, "offline: no request at all");
    }

    @Test
    void offlineWithoutACachedCopySaysWhatItTriedAndHowToPassADirectory() {
        HubException e = assertThrows(HubException.class,
                () -> client().offline(true).build().resolve(ModelId.parse(REPO + "@v1")));
        assertEquals(REPO + "@v1 is not in the cache (looked for " + repoFolder().resolve("refs").resolve("v1")
                + ") and HF_HUB_OFFLINE is set, so the Hub was not asked; unset HF_HUB_OFFLINE to download it, or "
                + "pass a local model directory instead (e.g. one made by `huggingface-cli download " + REPO
                + " --local-dir DIR`)", e.getMessage());
        assertEquals(List.of(), hub.requests);
    }

    @Test
    void anUnreachableHubFallsBackToTheCache() {
        Path snapshot = client().build().resolve(ModelId.parse(REPO));
        String endpoint = hub.endpoint();
        hub.close();
        assertEquals(snapshot, client().build().resolve(ModelId.parse(REPO)));

        HubException e = assertThrows(HubException.class, () -> client().build().resolve(ModelId.parse(REPO + "@v1")));
        assertTrue(e.getMessage().startsWith("cannot reach the Hub at " + endpoint
                + "/api/models/koembed/tiny-xlmr-ko/revision/v1 (ConnectException"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; " + REPO + "@v1 is not in the cache (looked for "
                + repoFolder().resolve("refs/v1") + "); or pass a local model directory instead (e.g. one made by "
                + "`huggingface-cli download " + REPO + " --local-dir DIR`)"), e.getMessage());
    }

    @Test
    void branchesTagsAndCommitsEachGetTheirSnapshotAndShareBlobs() throws IOException {
        HubClient client = client().build();
        Path main = client.resolve(ModelId.parse(REPO));
        Path v1 = client.resolve(ModelId.parse(REPO + "@v1"));
        hub.requests.clear();
        Path byCommit = client.resolve(new ModelId(REPO, v1Commit));

        assertEquals(repoFolder().resolve("snapshots").resolve(v1Commit), v1);
        assertEquals(v1, byCommit);
        assertEquals(1, hub.requests.size(), "the commit's snapshot is complete: nothing to download");
        assertEquals(mainCommit, Files.readString(repoFolder().resolve("refs/main")));
        assertEquals(v1Commit, Files.readString(repoFolder().resolve("refs/v1")));
        assertFalse(Files.exists(repoFolder().resolve("refs").resolve(v1Commit)), "no ref for a commit");
        assertEquals(Files.readSymbolicLink(main.resolve("model.safetensors")),
                Files.readSymbolicLink(v1.resolve("model.safetensors")));
        try (Stream<Path> blobs = Files.list(repoFolder().resolve("blobs"))) {
            long perSnapshot = fixture.size() - 1; // all but README.md
            assertEquals(perSnapshot + 1, blobs.count(), "one blob per distinct file: the commits differ in one");
        }

        // e5's prompts: by name where config_sentence_transformers.json lists them, as text otherwise
        try (SentenceTransformer st = SentenceTransformer.load(v1)) {
            float[][] byName = st.encode(TEXTS, EncodeOptions.defaults().withPromptName("query"));
            assertArrayEquals(st.encode(TEXTS, EncodeOptions.defaults().withPrompt("query: ")), byName);
            assertFalse(java.util.Arrays.equals(st.encode(TEXTS)[0], byName[0]));
        }
        try (SentenceTransformer st = SentenceTransformer.load(main)) {
            assertThrows(IllegalArgumentException.class,
                    () -> st.encode(TEXTS, EncodeOptions.defaults().withPromptName("query")));
        }
    }

    @Test
    void aRevisionWithASlashIsEncodedInTheUrlAndNestedUnderRefs() throws IOException {
        String pr = hub.repo(REPO).commit("refs/pr/1", fixture);
        Path snapshot = client().build().resolve(ModelId.parse(REPO + "@refs/pr/1"));
        assertEquals(repoFolder().resolve("snapshots").resolve(pr), snapshot);
        assertEquals(pr, Files.readString(repoFolder().resolve("refs/refs/pr/1")));
        assertTrue(hub.requests.stream().anyMatch(r -> r.path().endsWith("/revision/refs%2Fpr%2F1")));
    }

    @Test
    void theTokenGoesToTheHubOnlyAndIntoNoMessage() {
        String secret = "hf_TopSecret123";
        hub.repo(REPO).token = secret;

        HubException anonymous = assertThrows(HubException.class, () -> client().build().resolve(ModelId.parse(REPO)));
        assertTrue(anonymous.getMessage().startsWith("repository " + REPO + " not found (HTTP 401 RepoNotFound from "
                + hub.endpoint() + "/api/models/" + REPO + "/revision/main: Invalid username or password.): check the "
                + "id; for a private or gated model set HF_TOKEN to a token that may read it; "), anonymous.getMessage());

        hub.repo(REPO).echoAuthorization = true; // even a server that repeats the token does not get it printed
        HubException wrong = assertThrows(HubException.class,
                () -> client().token("hf_WrongToken").build().resolve(ModelId.parse(REPO)));
        assertTrue(wrong.getMessage().contains("Invalid username or password. You sent: Bearer <token>): check the id; "
                + "for a private or gated model the token given (HF_TOKEN or the token file) was refused"),
                wrong.getMessage());
        assertFalse(wrong.getMessage().contains("hf_WrongToken"));

        hub.requests.clear();
        client().token(secret + "\n").build().resolve(ModelId.parse(REPO));
        for (FakeHub.Request r : hub.requests) {
            boolean cdn = r.path().startsWith("/cdn/");
            assertEquals(cdn ? null : "Bearer " + secret, r.authorization(), r.toString());
        }
        assertTrue(hub.requests.stream().anyMatch(r -> r.path().startsWith("/cdn/")));
        assertFalse(client().token(secret).build().toString().contains(secret));
    }

    @Test
    void missingGatedAndUnknownRevisionsAreNamed() {
        HubException missing = assertThrows(HubException.class,
                () -> client().build().resolve(ModelId.parse("koembed/no-such-model")));
        assertTrue(missing.getMessage().startsWith("repository koembed/no-such-model not found (HTTP 404 RepoNotFound "
                + "from " + hub.endpoint() + "/api/models/koembed/no-such-model/revision/main: Repository not found)"),
                missing.getMessage());

        hub.repo("koembed/gated").token = "hf_x";
        hub.repo("koembed/gated").gated = true;
        hub.repo("koembed/gated").commit("main", fixture);
        HubException gated = assertThrows(HubException.class,
                () -> client().build().resolve(ModelId.parse("koembed/gated")));
        assertTrue(gated.getMessage().startsWith("koembed/gated is gated (HTTP 403 GatedRepo from "), gated.getMessage());
        assertTrue(gated.getMessage().contains("accept its conditions at " + hub.endpoint() + "/koembed/gated"));

        String readmeOnly = hub.repo("koembed/readme-only").commit("main", Map.of("README.md", new byte[] {1}));
        assertEquals("koembed/readme-only@main (commit " + readmeOnly + ") has neither modules.json nor config.json, so "
                + "it is not a sentence-transformers or transformers model", assertThrows(HubException.class,
                () -> client().build().resolve(ModelId.parse("koembed/readme-only"))).getMessage());

        client().build().resolve(ModelId.parse(REPO)); // a cached main does not stand in for a missing revision
        HubException revision = assertThrows(HubException.class,
                () -> client().build().resolve(ModelId.parse(REPO + "@no-such-branch")));
        assertTrue(revision.getMessage().startsWith(REPO + " has no revision 'no-such-branch' (HTTP 404 "
                + "RevisionNotFound"), revision.getMessage());
    }

    @Test
    void anInterruptedDownloadResumesWithARangeRequestOnTheNextCall() throws IOException {
        int size = fixture.get("model.safetensors").length;
        Path blob = repoFolder().resolve("blobs").resolve(FakeHub.sha256Hex(fixture.get("model.safetensors")));
        hub.target = FakeHub.sha256Hex(fixture.get("model.safetensors"));
        hub.cutNextDownloadAfter = 1_000_000;

        HubException e = assertThrows(HubException.class, () -> client().build().resolve(ModelId.parse(REPO)));
        // what arrived of the 1,000,000 bytes sent before the connection dropped (the last few may be lost with it)
        long kept = Files.size(Path.of(blob + ".incomplete"));
        assertTrue(kept > 0 && kept <= 1_000_000, "kept " + kept);
        assertTrue(e.getMessage().startsWith("the download of " + REPO + " model.safetensors from "
                + "http://localhost:"), e.getMessage());
        assertTrue(e.getMessage().contains(" broke off after " + kept + " of " + size + " bytes ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("the part is kept in " + blob + ".incomplete and the next attempt resumes "
                + "from it"), e.getMessage());
        assertFalse(Files.exists(blob));

        hub.requests.clear();
        Path snapshot = client().build().resolve(ModelId.parse(REPO));
        List<FakeHub.Request> cdn = hub.requests.stream().filter(r -> r.path().startsWith("/cdn/" + hub.target)).toList();
        assertEquals(1, cdn.size());
        assertEquals("bytes=" + kept + "-", cdn.getFirst().range());
        assertArrayEquals(fixture.get("model.safetensors"), Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertFalse(Files.exists(Path.of(blob + ".incomplete")));
    }

    @Test
    void aBrokenConnectionIsResumedWithinTheCallWhenRetriesAreAllowed() throws IOException {
        hub.target = FakeHub.sha256Hex(fixture.get("model.safetensors"));
        hub.cutNextDownloadAfter = 500_000;
        Path snapshot = client().retries(1).build().resolve(ModelId.parse(REPO));
        List<String> ranges = hub.requests.stream().filter(r -> r.path().startsWith("/cdn/" + hub.target))
                .map(r -> String.valueOf(r.range())).toList();
        assertEquals(2, ranges.size(), ranges.toString());
        assertEquals("null", ranges.get(0));
        long resumedAt = Long.parseLong(ranges.get(1).replaceAll("bytes=(\\d+)-", "$1"));
        assertTrue(resumedAt > 0 && resumedAt <= 500_000, ranges.toString());
        assertArrayEquals(fixture.get("model.safetensors"), Files.readAllBytes(snapshot.resolve("model.safetensors")));
    }

    @Test
    void aCorruptedDownloadFailsItsSha256AndIsThrownAway() throws IOException {
        String sha = FakeHub.sha256Hex(fixture.get("model.safetensors"));
        Path blob = repoFolder().resolve("blobs").resolve(sha);
        hub.target = sha;
        hub.corruptDownloads = true;

        HubException e = assertThrows(HubException.class, () -> client().build().resolve(ModelId.parse(REPO)));
        assertTrue(e.getMessage().startsWith(REPO + " model.safetensors downloaded from http://localhost:"),
                e.getMessage());
        assertTrue(e.getMessage().contains(", not the " + sha + " the Hub announced; the download was deleted, run "
                + "again to download it anew"), e.getMessage());
        assertFalse(Files.exists(blob));
        assertFalse(Files.exists(Path.of(blob + ".incomplete")));
        assertFalse(Files.exists(repoFolder().resolve("snapshots").resolve(mainCommit).resolve("model.safetensors")));

        hub.corruptDownloads = false;
        hub.requests.clear();
        Path snapshot = client().build().resolve(ModelId.parse(REPO));
        assertArrayEquals(fixture.get("model.safetensors"), Files.readAllBytes(snapshot.resolve("model.safetensors")));
        assertNull(hub.requests.stream().filter(r -> r.path().startsWith("/cdn/" + sha)).findFirst().orElseThrow().range(),
                "a fresh download, not a resumed one");
    }

    @Test
    void hostileNamesAreRefusedAndNothingIsWrittenOutsideTheCache() throws IOException {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);

        hub.repo("evil/listing").commit("main", fixture);
        hub.repo("evil/listing").extraListing.add("../../evil");
        HubException listing = assertThrows(HubException.class,
                () -> client().build().resolve(ModelId.parse("evil/listing")));
        assertEquals(hub.endpoint() + "/api/models/evil/listing/revision/main lists an unsafe file name '../../evil' "
                + "(has an empty, '.' or '..' part): refusing to write it anywhere", listing.getMessage());

        hub.repo("evil/absolute").commit("main", fixture);
        hub.repo("evil/absolute").extraListing.add(outside.resolve("evil").toString());
        assertTrue(assertThrows(HubException.class, () -> client().build().resolve(ModelId.parse("evil/absolute")))
                .getMessage().contains("(absolute)"));

        Map<String, byte[]> modules = new HashMap<>(fixture);
        modules.put("modules.json", "[{\"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"}, {\"path\": \"../../../outside/evil\", \"type\": \"sentence_transformers.models.Pooling\"}]".getBytes(StandardCharsets.UTF_8));
        hub.repo("evil/modules").commit("main", modules);
        assertTrue(assertThrows(HubException.class, () -> client().build().resolve(ModelId.parse("evil/modules")))
                .getMessage().contains("unsafe file name"));

        hub.repo("evil/etag").commit("main", fixture);
        hub.repo("evil/etag").etagOverride = "../../../outside/evil";
        assertTrue(assertThrows(HubException.class, () -> client().build().resolve(ModelId.parse("evil/etag")))
                .getMessage().startsWith("the server sent the ETag '../../../outside/evil', which is not a digest"));

        try (Stream<Path> all = Files.walk(tmp)) {
            List<Path> strays = all.filter(p -> !p.startsWith(cache) && !p.equals(tmp) && !p.equals(outside)).toList();
            assertEquals(List.of(), strays);
        }
    }

    @Test
    void locateLetsAnExistingDirectoryWinOverAHubId() throws IOException {
        Path dir = tmp.resolve("koembed/tiny-xlmr-ko");
        Files.createDirectories(dir);
        HubClient client = client().build();
        assertEquals(dir, client.locate(dir.toString()));
        assertEquals(Path.of("no/such/dir/here"), client.locate("no/such/dir/here"), "not a Hub id: left to the loader");
        assertEquals(repoFolder().resolve("snapshots").resolve(v1Commit), client.locate(REPO + "@v1"));

        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> SentenceTransformer.load(tmp.resolve("missing").toString()));
        assertTrue(e.getMessage().endsWith("model directory not found"));
        try (SentenceTransformer st = SentenceTransformer.load(Fixtures.model("tiny-xlmr-ko").toString())) {
            assertEquals(Fixtures.model("tiny-xlmr-ko"), st.directory());
        }
    }

    @Test
    void settingsComeFromTheEnvironmentAsInHuggingfaceHub() throws IOException {
        Path home = tmp.resolve("hf-home");
        Files.createDirectories(home);
        Files.writeString(home.resolve("token"), "hf_fromFile\n");
        String userHome = System.getProperty("user.home");

        assertEquals(Path.of(userHome, ".cache/huggingface/hub"), HubClient.builder(Map.of()).build().cacheDir());
        assertEquals(Path.of("/x/huggingface/hub"), HubClient.builder(Map.of("XDG_CACHE_HOME", "/x")).build().cacheDir());
        assertEquals(home.resolve("hub"), HubClient.builder(Map.of("HF_HOME", home.toString())).build().cacheDir());
        assertEquals(Path.of("/c"), HubClient.builder(Map.of("HF_HOME", home.toString(), "HF_HUB_CACHE", "/c"))
                .build().cacheDir());
        assertEquals(Path.of(userHome, "c"), HubClient.builder(Map.of("HUGGINGFACE_HUB_CACHE", "~/c")).build().cacheDir());

        // the token file of HF_HOME, unless HF_TOKEN is set; seen by what the server receives
        hub.repo(REPO).token = "hf_fromFile";
        Map<String, String> env = Map.of("HF_HOME", home.toString(), "HF_ENDPOINT", hub.endpoint() + "/",
                "HF_HUB_CACHE", cache.toString());
        assertEquals(repoFolder().resolve("snapshots").resolve(mainCommit),
                HubClient.builder(env).build().resolve(ModelId.parse(REPO)));
        Map<String, String> withEnvToken = new HashMap<>(env);
        withEnvToken.put("HF_TOKEN", "hf_fromEnv");
        hub.requests.clear();
        HubClient.builder(withEnvToken).build().resolve(ModelId.parse(REPO)); // refused, then the cache serves
        assertEquals("Bearer hf_fromEnv", hub.requests.getFirst().authorization());

        Path snapshot = repoFolder().resolve("snapshots").resolve(mainCommit);
        hub.requests.clear();
        for (String on : List.of("1", "true", "YES", "on")) {
            assertEquals(snapshot, HubClient.builder(Map.of("HF_HUB_OFFLINE", on, "HF_HUB_CACHE", cache.toString(),
                    "HF_ENDPOINT", hub.endpoint())).build().resolve(ModelId.parse(REPO)));
        }
        assertEquals(snapshot, HubClient.builder(Map.of("TRANSFORMERS_OFFLINE", "1", "HF_HUB_CACHE", cache.toString(),
                "HF_ENDPOINT", hub.endpoint())).build().resolve(ModelId.parse(REPO)));
        assertEquals(List.of(), hub.requests);
        HubClient.builder(Map.of("HF_HUB_OFFLINE", "0", "HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT",
                hub.endpoint(), "HF_TOKEN", "hf_fromFile")).build().resolve(ModelId.parse(REPO));
        assertNotEquals(List.of(), hub.requests);
    }
}
