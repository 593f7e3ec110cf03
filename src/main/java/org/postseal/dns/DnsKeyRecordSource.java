package org.postseal.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Function;
import org.postseal.dkim.KeyLookupException;
import org.postseal.events.KeyLookup;
import org.postseal.events.MailEvents;
import org.xbill.DNS.Name;
import org.xbill.DNS.TextParseException;

/**
 * DKIM key records from DNS, through a cache: the {@link KeyRecordSource} the milter and the command line use.
 *
 * <p>Each answer is kept for its TTL (a name's TXT records as long as the shortest TTL of the records and of the
 * CNAMEs that led to them; "not found" as long as the zone's negative TTL, five minutes at most); temporary failures
 * are never kept, so the next message asks again. Concurrent lookups of one name wait for one query, and share its
 * outcome, a temporary failure included. The query is expected to complete normally, its failures as answers. The cache holds
 * at most {@link DnsSettings#cacheSize()} names, the least used going first. Each lookup tells the events port
 * whether the cache answered it or a query did, and how that query ended.
 */
public final class DnsKeyRecordSource implements KeyRecordSource {
    private final Function<Name, CompletableFuture<KeyAnswer>> query;
    private final AsyncCache<Name, KeyAnswer> cache;
    private final MailEvents events;

    DnsKeyRecordSource(Function<Name, CompletableFuture<KeyAnswer>> query, int cacheSize, Ticker ticker,
            Executor executor) {
        this(query, cacheSize, ticker, executor, MailEvents.NONE);
    }

    DnsKeyRecordSource(Function<Name, CompletableFuture<KeyAnswer>> query, int cacheSize, Ticker ticker,
            Executor executor, MailEvents events) {
        this.query = query;
        this.events = events;
        this.cache = Caffeine.newBuilder()
                .maximumSize(cacheSize)
                .ticker(ticker)
                .executor(executor)
                .expireAfter(Expiry.<Name, KeyAnswer>creating((name, answer) -> answer.ttl()))
                .buildAsync();
    }

    /** Looks key records up as {@code settings} say, with a cache of {@link DnsSettings#cacheSize()} names. */
    public static DnsKeyRecordSource create(DnsSettings settings) {
        return create(settings, MailEvents.NONE);
    }

    /** As {@link #create(DnsSettings)}, telling {@code events} how each lookup was answered. */
    public static DnsKeyRecordSource create(DnsSettings settings, MailEvents events) {
        TxtQuery query = TxtQuery.of(settings);
        return new DnsKeyRecordSource(query::lookup, settings.cacheSize(), Ticker.systemTicker(),
                ForkJoinPool.commonPool(), events);
    }

    /**
     * Completes with the TXT texts at {@code selector._domainkey.domain}, from the cache or from DNS; a name that is
     * not a valid DNS name completes with {@link KeyLookupException#notFound}.
     */
    @Override
    public CompletableFuture<List<String>> lookup(String selector, String domain) {
        Name name;
        try {
            name = Name.fromString(selector.toLowerCase(Locale.ROOT) + "._domainkey."
                    + domain.toLowerCase(Locale.ROOT), Name.root);
        } catch (TextParseException e) {
            return CompletableFuture.failedFuture(KeyLookupException.notFound(
                    selector + "._domainkey." + domain + " is not a DNS name: " + e.getMessage()));
        }
        boolean[] queried = new boolean[1];
        CompletableFuture<KeyAnswer> answer = cache.get(name, (key, executor) -> {
            queried[0] = true; // Caffeine calls this in the caller's thread, on a miss only
            return query.apply(key).whenComplete((a, e) -> events.keyLookup(outcome(a)));
        });
        if (!queried[0]) {
            events.keyLookup(KeyLookup.CACHED);
        }
        return answer.thenCompose(KeyAnswer::result);
    }

    private static KeyLookup outcome(KeyAnswer answer) {
        if (answer == null || answer.temporaryReason().isPresent()) {
            return KeyLookup.TEMPORARY_FAILURE;
        }
        return answer.notFoundReason().isPresent() ? KeyLookup.NOT_FOUND : KeyLookup.FOUND;
    }

    /** How many names the cache holds now (for tests and logs; expired entries may still count). */
    long cachedNames() {
        cache.synchronous().cleanUp();
        return cache.synchronous().estimatedSize();
    }
}
