package io.koembed.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ModelIdTest {

    @Test
    void parsesIdsWithAndWithoutARevision() {
        assertEquals(new ModelId("upskyy/e5-base-korean", "main"), ModelId.parse("upskyy/e5-base-korean"));
        assertEquals(new ModelId("jhgan/ko-sroberta-multitask", "v1.0"), ModelId.parse("jhgan/ko-sroberta-multitask@v1.0"));
        assertEquals("refs/pr/1", ModelId.parse("a/b@refs/pr/1").revision());
        ModelId commit = ModelId.parse("a/b@0123456789abcdef0123456789abcdef01234567");
        assertTrue(commit.isCommit());
        assertFalse(ModelId.parse("a/b@main").isCommit());
        assertFalse(ModelId.parse("a/b@0123456789ABCDEF0123456789ABCDEF01234567").isCommit()); // the Hub's are lower case
    }

    @Test
    void refusesWhatHuggingfaceHubRefuses() {
        for (String bad : new String[] {"e5-base-korean", "a/b/c", "/a/b", "a//b", "-a/b", "a/b.", "a--x/b", "a/b..c",
                "a/b.git", "a/b c", "./b", "a/" + "x".repeat(97)}) {
            assertFalse(ModelId.looksLikeHubId(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> ModelId.parse(bad), bad);
        }
        assertTrue(ModelId.looksLikeHubId("sentence-transformers/all-MiniLM-L6-v2"));
        assertTrue(ModelId.looksLikeHubId("a/" + "x".repeat(96)));
    }

    @Test
    void refusesRevisionsThatCouldLeaveTheRefsFolder() {
        for (String bad : new String[] {"", "..", "../x", "a/../b", "/abs", "a/", "a\\b", "a\nb"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelId("a/b", bad));
            assertTrue(e.getMessage().startsWith("revision '" + bad + "' of a/b: "), e.getMessage());
        }
    }
}
