package org.postseal.milter;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the fields of a command payload: NUL-terminated strings (as bytes, or as ISO-8859-1 text for envelope
 * values), network-order integers and single octets. Any read past the end raises {@link MilterProtocolException}.
 */
final class MilterPayload {
    private final byte[] bytes;
    private int position;

    MilterPayload(byte[] bytes) {
        this.bytes = bytes;
    }

    boolean hasRemaining() {
        return position < bytes.length;
    }

    int remaining() {
        return bytes.length - position;
    }

    /** The bytes up to the next NUL (which is consumed). */
    byte[] cString() {
        for (int i = position; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                byte[] out = Arrays.copyOfRange(bytes, position, i);
                position = i + 1;
                return out;
            }
        }
        throw new MilterProtocolException("string without NUL terminator at offset " + position);
    }

    /** The next NUL-terminated string as text, every byte kept (ISO-8859-1). */
    String text() {
        return new String(cString(), StandardCharsets.ISO_8859_1);
    }

    int int32() {
        if (remaining() < 4) {
            throw new MilterProtocolException("payload too short for a 32-bit integer at offset " + position);
        }
        int value = (bytes[position] & 0xff) << 24 | (bytes[position + 1] & 0xff) << 16
                | (bytes[position + 2] & 0xff) << 8 | (bytes[position + 3] & 0xff);
        position += 4;
        return value;
    }

    int uint16() {
        if (remaining() < 2) {
            throw new MilterProtocolException("payload too short for a 16-bit integer at offset " + position);
        }
        int value = (bytes[position] & 0xff) << 8 | (bytes[position + 1] & 0xff);
        position += 2;
        return value;
    }

    byte octet() {
        if (remaining() < 1) {
            throw new MilterProtocolException("payload too short for an octet at offset " + position);
        }
        return bytes[position++];
    }

    /** Everything not read yet. */
    byte[] rest() {
        byte[] out = Arrays.copyOfRange(bytes, position, bytes.length);
        position = bytes.length;
        return out;
    }
}
