package io.koembed.classify;

/**
 * One example: a text (or a sentence pair) and, for training data, its label.
 *
 * @param text   the text, or the first sentence of a pair
 * @param text2  the second sentence of a pair; null for a single text
 * @param label  the label as text (numbers are kept as written); null where the data has none
 * @param source where it came from ("file:line"), for messages; may be null
 */
public record LabeledExample(String text, String text2, String label, String source) {
    public LabeledExample {
        if (text == null) {
            throw new IllegalArgumentException("text must not be null");
        }
    }

    public static LabeledExample single(String text, String label) {
        return new LabeledExample(text, null, label, null);
    }

    public static LabeledExample pair(String sentence1, String sentence2, String label) {
        if (sentence2 == null) {
            throw new IllegalArgumentException("the second sentence of a pair must not be null");
        }
        return new LabeledExample(sentence1, sentence2, label, null);
    }

    public boolean isPair() {
        return text2 != null;
    }
}
