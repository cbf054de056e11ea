/**
 * Classification over sentence embeddings: {@link io.koembed.classify.LogisticRegression} (multinomial, L2, as
 * scikit-learn's), {@link io.koembed.classify.EmbeddingClassifier} (features from embeddings of single texts or
 * sentence pairs, saved as JSON together with the identity of its embedding model,
 * {@link io.koembed.st.ModelFingerprint}), and {@link io.koembed.classify.LabeledData} (KorNLI TSV and JSONL
 * readers).
 */
package io.koembed.classify;
