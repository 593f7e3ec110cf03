package org.postseal.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes that the connections of one server may hold in memory at once, taken as data actually arrives and given back
 * when it is done with. The milter charges the partial packets it waits on; the smarthost, the messages it reads
 * before signing. What does not fit is refused (the milter closes that connection, the smarthost answers "busy"),
 * so that many clients, or a few slow ones, cannot exhaust the heap or the direct-memory pool.
 */
public final class MemoryBudget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    /**
     * @throws IllegalArgumentException if {@code limit} is not positive
     */
    public MemoryBudget(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
        }
        this.limit = limit;
    }

    /** Takes {@code bytes} from the budget; false (and nothing taken) when they do not fit. */
    public boolean reserve(long bytes) {
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

    /** Gives back {@code bytes} taken before. */
    public void release(long bytes) {
        used.addAndGet(-bytes);
    }

    /** The bytes taken now. */
    public long used() {
        return used.get();
    }

    /** The most that may be taken. */
    public long limit() {
        return limit;
    }
}
