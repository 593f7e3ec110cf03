package org.postseal.dns;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A key record source made when the first lookup comes, not before: a milter that verifies but has not yet met a
 * signed message does not hold the resolver, its cache and their classes (about 260 classes, 2 to 3 MB of a milter's
 * resident memory). Made once, then used by every lookup, from any thread.
 */
final class DeferredKeyRecordSource implements KeyRecordSource {
    private final Supplier<? extends KeyRecordSource> maker;
    private volatile KeyRecordSource made;

    DeferredKeyRecordSource(Supplier<? extends KeyRecordSource> maker) {
        this.maker = Objects.requireNonNull(maker, "maker");
    }

    @Override
    public CompletableFuture<List<String>> lookup(String selector, String domain) {
        return source().lookup(selector, domain);
    }

    /** Whether the source has been made (a lookup came). */
    boolean made() {
        return made != null;
    }

    private KeyRecordSource source() {
        KeyRecordSource source = made;
        if (source == null) {
            synchronized (this) {
                source = made;
                if (source == null) {
                    source = Objects.requireNonNull(maker.get(), "the key record source made");
                    made = source;
                }
            }
        }
        return source;
    }
}
