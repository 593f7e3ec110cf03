package org.postseal.smarthost;

/**
 * Hears each {@link SpoolStep} of the spool just before and just after it is taken, on the thread that takes it.
 * The daemon uses {@link #NONE}; a crash test uses it to stop the process ({@code Runtime.halt}, no shutdown hook
 * runs, as with {@code kill -9}) at exactly one step and check that a restart loses nothing. A listener must not
 * throw: the spool does not expect it to.
 */
public interface SpoolSteps {
    /** Hears nothing. */
    SpoolSteps NONE = new SpoolSteps() {
    };

    /** Called just before {@code step} is taken. */
    default void before(SpoolStep step) {
    }

    /** Called just after {@code step} was taken, and only if it succeeded. */
    default void after(SpoolStep step) {
    }
}
