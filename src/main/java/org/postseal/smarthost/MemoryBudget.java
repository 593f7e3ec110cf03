package org.postseal.smarthost;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the bytes of the messages the smarthost holds in memory at once (each submission is read whole before it is
 * prepared and signed): a message that would go over the budget is refused with a temporary failure, so that many
 * large messages arriving together make clients retry instead of exhausting the heap.
 */
final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    MemoryBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
        }
        this.limit = limit;
    }

    /** Takes {@code bytes} from the budget; false (and nothing taken) when they do not fit. */
    boolean reserve(long bytes) {
        while (true) {
            long current = used.get();
            if (current + bytes > limit) {
                return false;
            }
            if (used.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }
}
