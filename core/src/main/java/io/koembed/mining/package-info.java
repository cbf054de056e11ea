/**
 * Unsupervised work over sentence embeddings, with sentence-transformers' semantics where it has a function for
 * the job: {@link io.koembed.mining.ParaphraseMining} ({@code util.paraphrase_mining_embeddings}),
 * {@link io.koembed.mining.CommunityDetection} ({@code util.community_detection}), and
 * {@link io.koembed.mining.KMeans} (scikit-learn's {@code KMeans}: k-means++, Lloyd, {@code n_init}).
 *
 * <p>All three take the embeddings as {@code float[][]} (one row per text, as
 * {@link io.koembed.st.SentenceTransformer#encode(java.util.List, io.koembed.st.EncodeOptions)} returns them) and
 * never hold the n×n similarity matrix: scores are computed block by block and only what the result needs is kept.
 */
package io.koembed.mining;
