package io.koembed.st;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Python's str.strip(), as documented for str.isspace(); cases where Java's String.strip() differs. */
class PythonTextTest {

    @Test
    void stripsWhatPythonStrips() {
        assertEquals("가", PythonText.strip("\u00A0\u3000\u2028\u0085\u001C\u001F 가 \t\n\r\u000B\u000C\u2009\u202F"));
        assertEquals("", PythonText.strip(" \u00A0 "));
    }

    @Test
    void keepsWhatPythonKeeps() {
        // U+200B (zero width space), U+FEFF (BOM) and U+180E (Mongolian vowel separator) are not whitespace
        // in Python 3.11.
        assertEquals("\u200B가\uFEFF", PythonText.strip("\u200B가\uFEFF"));
        assertEquals("\u180E가", PythonText.strip("\u180E가"));
    }

    @Test
    void differsFromJavaStripOnNoBreakSpace() {
        String s = "\u00A0가\u00A0";
        assertEquals(s, s.strip(), "Java keeps U+00A0");
        assertEquals("가", PythonText.strip(s), "Python strips it");
    }

    @Test
    void supplementaryCharactersSurvive() {
        assertEquals("\uD83D\uDE00", PythonText.strip(" \uD83D\uDE00 "));
    }
}
