package org.postseal.smarthost;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.postseal.transport.MemoryBudget;

/**
 * The bytes of one message as they arrive: an array that grows with what was received (doubling, never past the
 * announced size), each growth taken from the shared {@link MemoryBudget} before it is made. A client is charged for
 * at most twice what it sent, not for what it announced: announcing large messages and sending them slowly holds next
 * to nothing, and cannot keep other clients out.
 */
final class MessageBuffer {
    private static final byte[] EMPTY = new byte[0];

    private final MemoryBudget budget;
    private final int size;
    private byte[] bytes = EMPTY;
    private int filled;

    /** @param size the announced size, at most {@code Integer.MAX_VALUE} */
    MessageBuffer(MemoryBudget budget, long size) {
        if (size < 0 || size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("size: " + size);
        }
        this.budget = budget;
        this.size = (int) size;
    }

    /**
     * Takes from {@code in} what the message still lacks.
     *
     * @return false, with nothing read, when the budget has no room for the array to grow
     */
    boolean read(ByteBuf in) {
        int n = Math.min(in.readableBytes(), size - filled);
        if (filled + n > bytes.length && !grow(filled + n)) {
            return false;
        }
        in.readBytes(bytes, filled, n);
        filled += n;
        return true;
    }

    private boolean grow(int needed) {
        int capacity = (int) Math.min(size, Math.max(needed, 2L * bytes.length));
        if (!budget.reserve(capacity - bytes.length)) {
            return false;
        }
        bytes = Arrays.copyOf(bytes, capacity);
        return true;
    }

    boolean complete() {
        return filled == size;
    }

    /** The whole message; only once {@link #complete()}. */
    byte[] message() {
        if (!complete()) {
            throw new IllegalStateException(filled + " of " + size + " bytes");
        }
        return bytes;
    }

    /** Gives the array's bytes back to the budget; the message must no longer be used. */
    void release() {
        budget.release(bytes.length);
        bytes = EMPTY;
    }

    /** "after 17 of 300 message bytes" */
    String progress() {
        return "after " + filled + " of " + size + " message bytes";
    }
}
