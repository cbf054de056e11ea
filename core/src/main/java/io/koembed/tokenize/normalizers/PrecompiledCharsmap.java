package io.koembed.tokenize.normalizers;

import com.fasterxml.jackson.databind.JsonNode;
import io.koembed.tokenize.common.ComponentJson.Invalid;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SentencePiece's {@code precompiled_charsmap} normalizer ({@code {"type": "Precompiled"}} in tokenizer.json, the
 * {@code normalizer_spec.precompiled_charsmap} bytes of a {@code .model} file), applied the way the Rust library
 * applies it ({@code normalizers/precompiled.rs} + the {@code spm_precompiled} crate) - which is not the way
 * SentencePiece itself does.
 *
 * <p>The blob is {@code [u32 LE trie size in bytes][trie: that many bytes of u32 LE units][NUL-terminated UTF-8
 * replacement strings]}. The trie is a Darts-clone double array over UTF-8 bytes whose leaf values are byte
 * offsets into the replacement strings.
 *
 * <p>The Rust algorithm, reproduced exactly:
 * <ol>
 *   <li>Walk the text by extended grapheme clusters.</li>
 *   <li>If the cluster is shorter than 6 UTF-8 bytes and the trie holds a key that is a prefix of it, the whole
 *       cluster is replaced by the value of the <em>shortest</em> such key - even when that key covers only the
 *       first character (so "①\u0301" becomes "1": the accent is dropped).</li>
 *   <li>Otherwise each character of the cluster is looked up alone, again taking the shortest key that is a
 *       prefix of the character's bytes, and kept unchanged when there is none.</li>
 *   <li>The lookup stops at a NUL byte, so NUL is never rewritten.</li>
 * </ol>
 * Clusters come from {@link BreakIterator#getCharacterInstance}, which implements the same UAX #29 extended
 * grapheme rules (incl. GB9c) as Rust's {@code unicode-segmentation}; both sit on Unicode 16 in the versions used.
 * Cluster boundaries only matter for clusters of 2+ characters under 6 bytes, which keeps the exposure small.
 *
 * <p>Immutable and thread safe.
 */
public final class PrecompiledCharsmap implements Normalizer {
    /** Clusters of this many UTF-8 bytes or more are looked up character by character. */
    private static final int MAX_CLUSTER_BYTES = 6;

    private final int[] units;
    private final byte[] replacements;
    private final ConcurrentHashMap<Integer, String> decoded = new ConcurrentHashMap<>();

    /**
     * @param charsmap the raw {@code precompiled_charsmap} bytes
     * @throws IllegalArgumentException when the blob is truncated or its replacement strings are not UTF-8
     */
    public PrecompiledCharsmap(byte[] charsmap) {
        if (charsmap.length < 4) {
            throw new IllegalArgumentException("precompiled_charsmap is too short (" + charsmap.length + " bytes)");
        }
        ByteBuffer buf = ByteBuffer.wrap(charsmap).order(ByteOrder.LITTLE_ENDIAN);
        long trieBytes = Integer.toUnsignedLong(buf.getInt());
        if (trieBytes % 4 != 0 || trieBytes == 0 || 4 + trieBytes > charsmap.length) {
            throw new IllegalArgumentException("precompiled_charsmap declares a trie of " + trieBytes
                    + " bytes, which does not fit its " + charsmap.length + " bytes");
        }
        units = new int[(int) (trieBytes / 4)];
        for (int i = 0; i < units.length; i++) {
            units[i] = buf.getInt();
        }
        replacements = new byte[buf.remaining()];
        buf.get(replacements);
        try {
            // Rust requires the whole pool to be valid UTF-8 (String::from_utf8), so do we.
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(replacements));
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("precompiled_charsmap replacement strings are not valid UTF-8", e);
        }
    }

    /** {@code {"type": "Precompiled", "precompiled_charsmap": BASE64}}. */
    public static PrecompiledCharsmap fromJson(JsonNode node, String where) {
        JsonNode map = node.get("precompiled_charsmap");
        if (map == null || !map.isTextual()) {
            throw new Invalid(where + ": Precompiled without a base64 \"precompiled_charsmap\"");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(map.asText());
        } catch (IllegalArgumentException e) {
            throw new Invalid(where + ": precompiled_charsmap is not base64: " + e.getMessage());
        }
        try {
            return new PrecompiledCharsmap(bytes);
        } catch (IllegalArgumentException e) {
            throw new Invalid(where + ": " + e.getMessage());
        }
    }

    @Override
    public String normalize(String text) {
        int n = text.length();
        if (n == 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(n + 8);
        byte[] scratch = new byte[MAX_CLUSTER_BYTES + 4];
        BreakIterator clusters = BreakIterator.getCharacterInstance(Locale.ROOT);
        clusters.setText(text);
        int start = clusters.first();
        for (int end = clusters.next(); end != BreakIterator.DONE; start = end, end = clusters.next()) {
            int firstLen = Character.charCount(text.codePointAt(start));
            if (start + firstLen < end) {
                // A cluster of several characters: try it whole when it is short enough.
                int len = utf8(text, start, end, scratch);
                if (len >= 0 && len < MAX_CLUSTER_BYTES) {
                    int value = firstValue(scratch, len);
                    if (value >= 0) {
                        out.append(replacement(value));
                        continue;
                    }
                }
            }
            // One character at a time (for a single-character cluster this is the same lookup as above).
            int i = start;
            while (i < end) {
                int cp = text.codePointAt(i);
                int cpLen = Character.charCount(cp);
                int value = firstValue(scratch, utf8(text, i, i + cpLen, scratch));
                if (value >= 0) {
                    out.append(replacement(value));
                } else {
                    out.append(text, i, i + cpLen);
                }
                i += cpLen;
            }
        }
        return out.toString();
    }

    /**
     * The normalization of a single chunk as {@code spm_precompiled}'s {@code transform} computes it: the value of
     * the shortest trie key that is a prefix of the chunk's UTF-8, or null when there is none. For tests and
     * diagnostics.
     */
    public String transform(String chunk) {
        byte[] bytes = chunk.getBytes(StandardCharsets.UTF_8);
        int value = firstValue(bytes, bytes.length);
        return value < 0 ? null : replacement(value);
    }

    /** UTF-8 of text[from, to) into {@code dst}; -1 when it does not fit (the caller then goes per character). */
    private static int utf8(String text, int from, int to, byte[] dst) {
        int len = 0;
        int i = from;
        while (i < to) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            int need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (len + need > dst.length) {
                return -1;
            }
            if (need == 1) {
                dst[len++] = (byte) cp;
            } else if (need == 2) {
                dst[len++] = (byte) (0xC0 | (cp >> 6));
                dst[len++] = (byte) (0x80 | (cp & 0x3F));
            } else if (need == 3) {
                dst[len++] = (byte) (0xE0 | (cp >> 12));
                dst[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                dst[len++] = (byte) (0x80 | (cp & 0x3F));
            } else {
                dst[len++] = (byte) (0xF0 | (cp >> 18));
                dst[len++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                dst[len++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                dst[len++] = (byte) (0x80 | (cp & 0x3F));
            }
        }
        return len;
    }

    /**
     * Darts-clone common prefix search stopped at the first (shortest) hit, as {@code spm_precompiled} only ever
     * uses {@code results[0]}. Out-of-range positions (a damaged blob) count as "no match" instead of failing.
     */
    private int firstValue(byte[] key, int len) {
        int pos = offset(units[0]);
        for (int k = 0; k < len; k++) {
            int c = key[k] & 0xFF;
            if (c == 0) {
                break;
            }
            pos ^= c;
            if (pos < 0 || pos >= units.length) {
                return -1;
            }
            int unit = units[pos];
            if ((unit & 0x800000FF) != c) { // label: the byte plus the leaf flag bit, which must be clear
                return -1;
            }
            pos ^= offset(unit);
            if (((unit >>> 8) & 1) == 1) { // has_leaf: the value sits in the unit at the new position
                if (pos < 0 || pos >= units.length) {
                    return -1;
                }
                return units[pos] & 0x7FFFFFFF;
            }
        }
        return -1;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private String replacement(int value) {
        String s = decoded.get(value);
        if (s == null) {
            int end = value;
            while (end < replacements.length && replacements[end] != 0) {
                end++;
            }
            s = value <= replacements.length
                    ? new String(replacements, value, end - value, StandardCharsets.UTF_8)
                    : "";
            decoded.putIfAbsent(value, s);
        }
        return s;
    }
}
