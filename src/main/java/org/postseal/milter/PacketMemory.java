package org.postseal.milter;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory that packets still arriving may hold, shared by every connection of one server. A connection is charged
 * for the bytes it has actually sent of a packet not yet complete (never for what a length prefix announces), and the
 * charge is returned when the packet completes or the connection closes.
 */
final class PacketMemory {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    PacketMemory(long limit) {
        this.limit = limit;
    }

    /** Takes {@code bytes} more if the total stays within the limit; returns whether it did. */
    boolean tryCharge(long bytes) {
        while (true) {
            long now = held.get();
            if (now + bytes > limit) {
                return false;
            }
            if (held.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }

    long held() {
        return held.get();
    }

    long limit() {
        return limit;
    }
}
