package io.koembed.tokenize.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link PieceTrie} against a HashMap of the same keys: every key, every prefix of a key, the longest key at each
 * position of a text. Keys that share no prefixes make the edge table grow past its first size (it is sized for
 * vocabularies that share prefixes heavily); keys over a small alphabet share many.
 */
class PieceTrieTest {

    @ParameterizedTest(name = "alphabet of {0}")
    @ValueSource(ints = {3, 40_000})
    void findsWhatAMapOfTheSameKeysHolds(int alphabet) {
        SplittableRandom random = new SplittableRandom(alphabet);
        String[] keys = new String[20_000];
        int[] values = new int[keys.length];
        Map<String, Integer> first = new HashMap<>(), last = new HashMap<>();
        for (int i = 0; i < keys.length; i++) {
            StringBuilder key = new StringBuilder();
            int len = random.nextInt(alphabet == 3 ? 12 : 6); // some empty keys, which never match
            for (int j = 0; j < len; j++) {
                key.append((char) ('a' + random.nextInt(alphabet)));
            }
            keys[i] = key.toString();
            values[i] = i;
            if (!keys[i].isEmpty()) {
                first.putIfAbsent(keys[i], i);
                last.put(keys[i], i);
            }
        }
        PieceTrie keepFirst = new PieceTrie(keys, values, true), keepLast = new PieceTrie(keys, values, false);
        assertEquals(first.size(), keepFirst.keyCount());
        for (String key : first.keySet()) {
            assertEquals(first.get(key), keepFirst.get(key, 0, key.length()), key);
            assertEquals(last.get(key), keepLast.get(key, 0, key.length()), key);
            for (int end = 1; end < key.length(); end++) { // prefixes: keys or not, as the map says
                String prefix = key.substring(0, end);
                assertEquals(first.getOrDefault(prefix, -1), keepFirst.get(key, 0, end), prefix);
            }
            assertEquals(-1, keepFirst.get(key + "\uffff", 0, key.length() + 1));
        }

        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 2_000; i++) {
            text.append((char) ('a' + random.nextInt(alphabet)));
        }
        for (int from = 0; from < text.length(); from++) {
            long expected = -1;
            for (int end = from + 1; end <= text.length() && end - from <= 12; end++) {
                Integer v = first.get(text.substring(from, end));
                if (v != null) {
                    expected = ((long) end << 32) | v;
                }
            }
            assertEquals(expected, keepFirst.longestPrefix(text, from), "at " + from);
        }
        assertTrue(new PieceTrie(new String[] {""}, new int[] {0}, true).isEmpty());
    }

    @ParameterizedTest(name = "{0} keys")
    @ValueSource(ints = {1, 100, 50_000})
    void growsPastItsFirstSizeWhenNoKeysSharePrefixes(int count) {
        // distinct first characters: every character of every key is a node of its own, the worst case
        Map<String, Integer> expected = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            expected.put((char) (0x4E00 + i % 20_000) + Integer.toString(i, 36) + "x", i);
        }
        String[] keys = expected.keySet().toArray(String[]::new);
        int[] values = expected.values().stream().mapToInt(Integer::intValue).toArray();
        PieceTrie trie = new PieceTrie(keys, values, true);
        assertEquals(count, trie.keyCount());
        expected.forEach((key, value) -> assertEquals(value, trie.get(key, 0, key.length()), key));
    }
}
