package io.koembed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JsonFilesTest {
    @TempDir
    Path dir;

    @Test
    void readTreeReturnsAnyJsonValue() throws IOException {
        Path array = Files.writeString(dir.resolve("a.json"), "[1, 2]");
        assertEquals(2, JsonFiles.readTree(array).size());
        Path object = Files.writeString(dir.resolve("o.json"), "{\"x\": 1}");
        assertEquals(1, JsonFiles.readObject(object).get("x").asInt());
    }

    @Test
    void errorsNameTheFileAndWhatIsWrong() throws IOException {
        Path missing = dir.resolve("missing.json");
        assertMessage(missing + ": file not found", () -> JsonFiles.readTree(missing));
        assertNull(JsonFiles.readOptionalObject(missing));

        Path broken = Files.writeString(dir.resolve("broken.json"), "{\n  \"a\": ]\n}");
        assertMessage(broken + ": not valid JSON at line 2, column 8: ", () -> JsonFiles.readTree(broken));

        Path empty = Files.writeString(dir.resolve("empty.json"), " \n");
        assertMessage(empty + ": empty file", () -> JsonFiles.readTree(empty));

        Path array = Files.writeString(dir.resolve("array.json"), "[]");
        assertMessage(array + ": expected a JSON object, found array", () -> JsonFiles.readObject(array));
        assertMessage(array + ": expected a JSON object", () -> JsonFiles.readOptionalObject(array));

        Path folder = Files.createDirectories(dir.resolve("folder.json"));
        assertMessage(folder + ": cannot read: ", () -> JsonFiles.readTree(folder));
    }

    @Test
    void contentAfterTheValueIsRefusedAsPythonsJsonDoes() throws IOException {
        // json.loads('{"a": 1} {"b": 2}') raises "Extra data: line 1 column 10"
        Path two = Files.writeString(dir.resolve("two.json"), "{\"a\": 1}\n{\"b\": 2}\n");
        var e = assertThrows(ModelFormatException.class, () -> JsonFiles.readTree(two));
        assertTrue(e.getMessage().startsWith(two + ": not valid JSON at line 2, column ")
                && e.getMessage().endsWith(": more content after the top-level value"), e.getMessage());
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "{\"a\": 1} x");
        assertMessage(garbage + ": not valid JSON at line 1, column ", () -> JsonFiles.readObject(garbage));
        Path spaces = Files.writeString(dir.resolve("spaces.json"), "{\"a\": 1}\n\n  \t\n");
        assertEquals(1, JsonFiles.readObject(spaces).get("a").asInt(), "white space after the value is fine");
    }

    @Test
    void aKeyGivenTwiceKeepsItsLastValueAsPythonsJsonDoes() throws IOException {
        // json.loads('{"a": 1, "b": true, "a": 2}') == {'a': 2, 'b': True}
        Path twice = Files.writeString(dir.resolve("twice.json"), "{\"a\": 1, \"b\": true, \"a\": 2}");
        var node = JsonFiles.readObject(twice);
        assertEquals(2, node.get("a").asInt());
        assertEquals(2, node.size());
    }

    private static void assertMessage(String start, Runnable read) {
        var e = assertThrows(ModelFormatException.class, read::run);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }
}
