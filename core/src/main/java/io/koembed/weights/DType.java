package io.koembed.weights;

/**
 * The element types of the safetensors format (PyTorch storages map onto them too). Every type the format defines is
 * known here with its size, so that a file holding, say, an {@code I64} {@code position_ids} buffer next to its F32
 * weights still validates and opens; only {@link #isFloat() F32, F16 and BF16} can be read as floats.
 */
public enum DType {
    BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1),
    I16(2), U16(2), F16(2), BF16(2),
    I32(4), U32(4), F32(4),
    I64(8), U64(8), F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether {@link Checkpoint#readFloats} can convert this type (F32, F16, BF16). */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The type named {@code name} exactly as the safetensors header spells it, or null. */
    static DType parse(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
