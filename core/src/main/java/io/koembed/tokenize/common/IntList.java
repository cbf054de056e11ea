package io.koembed.tokenize.common;

import java.util.Arrays;

/**
 * A growable int array: token ids without boxing. Public for the models ({@code io.koembed.tokenize.models}), which
 * append their ids to one; not part of KoEmbed's API.
 */
public final class IntList {
    private int[] data;
    private int size;

    public IntList() {
        this(16);
    }

    public IntList(int capacity) {
        data = new int[Math.max(capacity, 4)];
    }

    public void add(int v) {
        if (size == data.length) {
            data = Arrays.copyOf(data, data.length * 2);
        }
        data[size++] = v;
    }

    void addAll(int[] values) {
        for (int v : values) {
            add(v);
        }
    }

    public int get(int i) {
        return data[i];
    }

    public int size() {
        return size;
    }

    /** Drops everything from index {@code size} on. */
    public void truncate(int size) {
        this.size = Math.min(this.size, size);
    }

    public int[] toArray() {
        return Arrays.copyOf(data, size);
    }
}
