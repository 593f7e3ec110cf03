package org.postseal.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * What the {@code @FuzzTest} targets share (docs/RELIABILITY.md): the chunks a byte stream is split into to check that
 * a streaming parser's result does not depend on where its input was cut, and the check that a refusal explains
 * itself.
 *
 * <p>Split points come from a generator seeded by the input itself, so that a finding replays exactly from the input
 * file Jazzer saves.
 */
public final class FuzzSupport {
    private FuzzSupport() {
    }

    /**
     * {@code input} cut into pieces at points drawn from the input's own hash: none, one or many cuts, empty pieces
     * included (a read that brings nothing).
     */
    public static List<byte[]> chunks(byte[] input) {
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(input) * 0x9E3779B97F4A7C15L + input.length);
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        while (at < input.length) {
            int left = input.length - at;
            int size = switch (random.nextInt(4)) {
                case 0 -> 1 + random.nextInt(Math.min(left, 3)); // a byte or a few: CR | LF, a length prefix cut
                case 1 -> random.nextInt(Math.min(left, 64) + 1); // may be empty
                case 2 -> 1 + random.nextInt(left);
                default -> left;
            };
            out.add(Arrays.copyOfRange(input, at, at + size));
            at += size;
        }
        return out;
    }

    /** Each byte of {@code input} on its own. */
    public static List<byte[]> bytes(byte[] input) {
        List<byte[]> out = new ArrayList<>(input.length);
        for (byte b : input) {
            out.add(new byte[] {b});
        }
        return out;
    }

    /** Asserts that a refusal says what is wrong: a message that is not blank. Returns it. */
    public static <T extends Throwable> T explained(T refusal) {
        assertNotNull(refusal.getMessage(), () -> refusal.getClass().getName() + " without a message");
        assertFalse(refusal.getMessage().isBlank(), () -> refusal.getClass().getName() + " with a blank message");
        return refusal;
    }
}
