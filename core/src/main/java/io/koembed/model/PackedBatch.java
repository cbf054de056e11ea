package io.koembed.model;

import io.koembed.tokenize.common.Encoding;

import java.util.List;

/**
 * A batch of sequences laid end to end, with no padding: token t of the batch belongs to the sequence s with
 * {@code starts[s] <= t < starts[s+1]}. The dense layers run once over all {@link #tokens()} rows; attention runs
 * per sequence.
 *
 * @param ids       token ids, all sequences concatenated
 * @param typeIds   token type ids, aligned with ids
 * @param positions position ids, aligned with ids (per sequence, by the config's rule)
 * @param starts    sequence boundaries, length sequences + 1, starts[0] = 0
 */
public record PackedBatch(int[] ids, int[] typeIds, int[] positions, int[] starts) {

    public int tokens() {
        return ids.length;
    }

    public int sequences() {
        return starts.length - 1;
    }

    /**
     * Packs {@code batch} and computes position ids; IllegalArgumentException if a sequence is longer than the
     * model's position table allows or holds an id outside the vocabulary or a type id outside type_vocab_size.
     */
    public static PackedBatch pack(List<Encoding> batch, EncoderConfig config) {
        int[] starts = new int[batch.size() + 1];
        int total = 0;
        for (int s = 0; s < batch.size(); s++) {
            Encoding e = batch.get(s);
            int len = e.length();
            if (len > config.maxSequenceLength()) {
                throw new IllegalArgumentException("sequence " + s + " has " + len + " tokens; the model accepts at"
                        + " most " + config.maxSequenceLength() + " (max_position_embeddings "
                        + config.maxPositionEmbeddings() + " - position offset " + config.positionOffset()
                        + "); truncate it first");
            }
            starts[s] = total;
            total = Math.addExact(total, len);
        }
        starts[batch.size()] = total;
        int[] ids = new int[total];
        int[] types = new int[total];
        int[] positions = new int[total];
        int pad = config.padTokenId();
        for (int s = 0; s < batch.size(); s++) {
            Encoding e = batch.get(s);
            int base = starts[s];
            int counted = 0; // non-pad tokens so far (RoBERTa rule)
            for (int i = 0; i < e.length(); i++) {
                int id = e.ids()[i];
                int type = e.typeIds()[i];
                if (id < 0 || id >= config.vocabSize()) {
                    throw new IllegalArgumentException("sequence " + s + ", token " + i + ": id " + id
                            + " is outside the vocabulary [0, " + config.vocabSize() + ")");
                }
                if (type < 0 || type >= config.typeVocabSize()) {
                    throw new IllegalArgumentException("sequence " + s + ", token " + i + ": token type id " + type
                            + " is outside [0, type_vocab_size " + config.typeVocabSize() + ")");
                }
                ids[base + i] = id;
                types[base + i] = type;
                if (config.robertaPositions()) {
                    // transformers' create_position_ids_from_input_ids: cumsum(ids != pad) * (ids != pad) + pad,
                    // so a literal pad token sits at position pad_token_id and does not advance the count
                    positions[base + i] = id == pad ? pad : pad + ++counted;
                } else {
                    positions[base + i] = i;
                }
            }
        }
        return new PackedBatch(ids, types, positions, starts);
    }
}
