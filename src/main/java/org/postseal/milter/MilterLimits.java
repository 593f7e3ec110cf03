package org.postseal.milter;

import java.time.Duration;
import java.util.Objects;

/**
 * The bounds that keep one milter client from taking what every session shares: connections at once, the memory
 * held by packets still arriving (across all connections), the size of one packet and of one message's header (in
 * bytes and in fields), how long a packet may take to arrive once it has begun, and how long a connection may stay
 * silent.
 *
 * <p>Anyone who can reach the milter's socket can open connections and send partial packets; these bounds make such a
 * client cost a bounded amount of memory and connections for a bounded time. Postfix writes each packet at once and
 * keeps a milter connection for one SMTP session, so the defaults leave normal traffic far from every bound.
 *
 * @param maxConnections connections served at once; more are closed as soon as they are accepted
 * @param bufferMemoryBytes bytes of partial packets held across all connections; a connection whose next bytes
 *     would exceed it is closed
 * @param maxPacketBytes the largest packet accepted (its length prefix is checked before anything is buffered)
 * @param maxHeaderBytes the largest header kept for one message; a larger one is not signed
 * @param maxHeaderFields the most header fields kept for one message; a message with more is not signed (each field
 *     is an object and a step of every {@code h=} search, so a header of many tiny fields costs more than its bytes)
 * @param commandTimeout how long a packet may take to arrive whole once its first byte has come (Postfix's
 *     {@code milter_command_timeout} is 30 s)
 * @param idleTimeout how long a connection may send nothing before it is closed (Postfix drops an SMTP client that
 *     is silent for {@code smtpd_timeout}, 300 s, so twice that has no live session behind it)
 */
public record MilterLimits(int maxConnections, long bufferMemoryBytes, int maxPacketBytes, int maxHeaderBytes,
        int maxHeaderFields, Duration commandTimeout, Duration idleTimeout) {
    /** The default bound on header fields per message: far above real mail (Postfix's own hop limit is 50). */
    public static final int DEFAULT_MAX_HEADER_FIELDS = 1000;

    /**
     * 1024 connections, 64 MiB of partial packets, 1 MiB packets and headers, 1000 header fields, 30 s per packet,
     * 600 s idle.
     */
    public static final MilterLimits DEFAULTS = new MilterLimits(1024, 64L << 20, 1 << 20, 1 << 20,
            Duration.ofSeconds(30), Duration.ofSeconds(600));

    /**
     * @throws IllegalArgumentException if a bound is not positive, if {@code maxPacketBytes} is below 65536
     *     (Postfix's body chunk and its code), or if {@code bufferMemoryBytes} cannot hold one packet
     */
    public MilterLimits {
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 1)");
        }
        if (maxPacketBytes < 65536) {
            throw new IllegalArgumentException("maxPacketBytes: " + maxPacketBytes + " (expected: >= 65536)");
        }
        if (bufferMemoryBytes < maxPacketBytes) {
            throw new IllegalArgumentException("bufferMemoryBytes: " + bufferMemoryBytes + " (expected: >= "
                    + maxPacketBytes + ", one packet)");
        }
        if (maxHeaderBytes < 1) {
            throw new IllegalArgumentException("maxHeaderBytes: " + maxHeaderBytes + " (expected: >= 1)");
        }
        if (maxHeaderFields < 1) {
            throw new IllegalArgumentException("maxHeaderFields: " + maxHeaderFields + " (expected: >= 1)");
        }
        if (commandTimeout.toMillis() < 1 || idleTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("timeouts: " + commandTimeout + ", " + idleTimeout
                    + " (expected: >= 1 ms)");
        }
    }

    /**
     * Limits with the default bound on header fields ({@value #DEFAULT_MAX_HEADER_FIELDS}).
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public MilterLimits(int maxConnections, long bufferMemoryBytes, int maxPacketBytes, int maxHeaderBytes,
            Duration commandTimeout, Duration idleTimeout) {
        this(maxConnections, bufferMemoryBytes, maxPacketBytes, maxHeaderBytes, DEFAULT_MAX_HEADER_FIELDS,
                commandTimeout, idleTimeout);
    }

    /** These limits with another connection bound. */
    public MilterLimits withMaxConnections(int value) {
        return new MilterLimits(value, bufferMemoryBytes, maxPacketBytes, maxHeaderBytes, maxHeaderFields,
                commandTimeout, idleTimeout);
    }

    /** These limits with another bound on partial packets held. */
    public MilterLimits withBufferMemory(long bytes) {
        return new MilterLimits(maxConnections, bytes, maxPacketBytes, maxHeaderBytes, maxHeaderFields,
                commandTimeout, idleTimeout);
    }

    /** These limits with other bounds on one packet and on one message's header, in bytes and in fields. */
    public MilterLimits withMessageBounds(int packetBytes, int headerBytes, int headerFields) {
        return new MilterLimits(maxConnections, bufferMemoryBytes, packetBytes, headerBytes, headerFields,
                commandTimeout, idleTimeout);
    }

    /** These limits with other timeouts. */
    public MilterLimits withTimeouts(Duration command, Duration idle) {
        return new MilterLimits(maxConnections, bufferMemoryBytes, maxPacketBytes, maxHeaderBytes, maxHeaderFields,
                command, idle);
    }
}
