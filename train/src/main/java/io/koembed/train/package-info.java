/**
 * Fine-tuning sentence-transformers models: the encoder's forward pass with its activations kept and its backward
 * pass, the modules after it, sentence-transformers' losses, AdamW with transformers' schedule, and the trained
 * model saved as a sentence-transformers directory. The forward pass computes with the same kernels as inference
 * ({@link io.koembed.tensor.ParallelOps}), so a trained model's vectors are what {@code SentenceTransformer.encode}
 * gives for it.
 */
package io.koembed.train;
