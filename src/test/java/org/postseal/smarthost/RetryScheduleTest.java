package org.postseal.smarthost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class RetryScheduleTest {
    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final RetrySchedule SCHEDULE = new RetrySchedule(Duration.ofMinutes(1), Duration.ofMinutes(10),
            Duration.ofDays(1));

    private static Duration wait(RetrySchedule schedule, int attempts) {
        return Duration.between(NOW, schedule.next(attempts, NOW));
    }

    @Test
    void firstRetryAfterFirst() {
        assertEquals(Duration.ofMinutes(1), wait(SCHEDULE, 1));
    }

    @Test
    void waitsDoubleUpToTheCap() {
        assertEquals(Duration.ofMinutes(2), wait(SCHEDULE, 2));
        assertEquals(Duration.ofMinutes(4), wait(SCHEDULE, 3));
        assertEquals(Duration.ofMinutes(8), wait(SCHEDULE, 4));
        assertEquals(Duration.ofMinutes(10), wait(SCHEDULE, 5), "16 minutes capped");
        assertEquals(Duration.ofMinutes(10), wait(SCHEDULE, 6));
        assertEquals(Duration.ofMinutes(10), wait(SCHEDULE, Integer.MAX_VALUE), "no overflow");
    }

    @Test
    void aCapThatIsAPowerOfTwoOfFirstIsReachedExactly() {
        RetrySchedule schedule = new RetrySchedule(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofHours(1));

        assertEquals(Duration.ofSeconds(30), wait(schedule, 1));
        assertEquals(Duration.ofMinutes(1), wait(schedule, 2));
        assertEquals(Duration.ofMinutes(2), wait(schedule, 3));
        assertEquals(Duration.ofMinutes(2), wait(schedule, 4));
    }

    @Test
    void firstEqualToMaxNeverGrows() {
        RetrySchedule schedule = new RetrySchedule(Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofHours(1));

        assertEquals(Duration.ofMinutes(5), wait(schedule, 1));
        assertEquals(Duration.ofMinutes(5), wait(schedule, 9));
    }

    @Test
    void defaultIsOneMinuteOneHourFiveDays() {
        assertEquals(new RetrySchedule(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(5)),
                RetrySchedule.DEFAULT);
        assertEquals(Duration.ofHours(1), wait(RetrySchedule.DEFAULT, 7), "64 minutes capped");
    }

    @Test
    void expiresExactlyAtTheEndOfTheLifetime() {
        Instant created = NOW;
        Instant end = created.plus(Duration.ofDays(1));

        assertFalse(SCHEDULE.expired(created, created));
        assertFalse(SCHEDULE.expired(created, end.minusNanos(1)));
        assertTrue(SCHEDULE.expired(created, end));
        assertTrue(SCHEDULE.expired(created, end.plusSeconds(1)));
    }

    @Test
    void constructorChecksItsArguments() {
        Duration m = Duration.ofMinutes(1);
        assertThrows(NullPointerException.class, () -> new RetrySchedule(null, m, m));
        assertThrows(NullPointerException.class, () -> new RetrySchedule(m, null, m));
        assertThrows(NullPointerException.class, () -> new RetrySchedule(m, m, null));
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> new RetrySchedule(Duration.ZERO, m, m));
        assertEquals("first retry: PT0S (expected: > 0)", zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RetrySchedule(m.negated(), m, m));
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> new RetrySchedule(m, Duration.ofSeconds(59), m));
        assertEquals("max retry: PT59S (expected: >= first retry PT1M)", small.getMessage());
    }
}
