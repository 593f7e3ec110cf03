package org.postseal.dns;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ResolverConfig;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * One TXT lookup through dnsjava, asynchronous, with RFC 6376 §6.1.2's outcomes as a {@link KeyAnswer}: the
 * records' texts, a permanent "not found" (NXDOMAIN, no TXT record, an answer over the limits below), or a temporary
 * failure (timeout, SERVFAIL or any other error code, a network error). The future itself never fails.
 *
 * <p>Queries go over UDP; a truncated answer is asked again over TCP (dnsjava's {@link SimpleResolver} does it, and
 * truncation is never ignored here). A CNAME is followed, in the answer if the server put the target's records there,
 * or else by asking again, {@value #MAX_CNAMES} times at most. Only records owned by the names of the chain are read.
 *
 * <p>Limits against hostile zones: at most {@value #MAX_RECORDS} TXT records at a name and {@value #MAX_TEXT_BYTES}
 * bytes of text in all; more is reported as no usable record. Positive answers are kept for their TTL (the smallest
 * of the chain's), at most {@link #MAX_TTL}; negative ones for the SOA's negative TTL (RFC 2308), at most
 * {@link #MAX_NEGATIVE_TTL}, and not at all without a SOA.
 */
final class TxtQuery {
    /** The most TXT records read at one name. */
    static final int MAX_RECORDS = 8;
    /** The most bytes of text read at one name, all records together. */
    static final int MAX_TEXT_BYTES = 8192;
    /** The most CNAMEs followed. */
    static final int MAX_CNAMES = 8;
    /** The longest a key record is kept, whatever its TTL. */
    static final Duration MAX_TTL = Duration.ofDays(1);
    /** The longest a "not found" is kept. */
    static final Duration MAX_NEGATIVE_TTL = Duration.ofMinutes(5);

    private final Resolver resolver;
    private final Duration timeout;

    TxtQuery(Resolver resolver, Duration timeout) {
        this.resolver = resolver;
        this.timeout = timeout;
    }

    /** A query over the configured name servers, or the system's when none are. */
    static TxtQuery of(DnsSettings settings) {
        List<java.net.InetSocketAddress> addresses = new ArrayList<>();
        settings.nameservers().forEach(server -> addresses.add(server.socketAddress()));
        if (addresses.isEmpty()) {
            addresses.addAll(ResolverConfig.getCurrentConfig().servers());
        }
        if (addresses.isEmpty()) {
            addresses.add(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(),
                    NameServer.DEFAULT_PORT));
        }
        // each server gets a share of the timeout, tried twice; the whole lookup is bounded by the timeout itself
        Duration attempt = settings.timeout().dividedBy(2L * addresses.size());
        if (attempt.toMillis() < 200) {
            attempt = Duration.ofMillis(Math.min(200, settings.timeout().toMillis()));
        }
        List<Resolver> resolvers = new ArrayList<>();
        for (java.net.InetSocketAddress address : addresses) {
            SimpleResolver simple = new SimpleResolver(address);
            simple.setIgnoreTruncation(false);
            simple.setTimeout(attempt);
            resolvers.add(simple);
        }
        ExtendedResolver resolver = new ExtendedResolver(resolvers);
        resolver.setLoadBalance(false);
        resolver.setRetries(2);
        // ExtendedResolver's own timeout bounds the whole resolution: past it, no other server is tried
        resolver.setTimeout(settings.timeout());
        return new TxtQuery(resolver, settings.timeout());
    }

    /** The overall timeout of one lookup. */
    Duration timeout() {
        return timeout;
    }

    /** Looks up the TXT records at {@code name}, an absolute name; the future always completes normally. */
    CompletableFuture<KeyAnswer> lookup(Name name) {
        return step(name, name, 0, MAX_TTL)
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((answer, error) -> error == null ? answer : temporary(name, error));
    }

    private CompletableFuture<KeyAnswer> step(Name asked, Name current, int cnames, Duration ttl) {
        Message query = Message.newQuery(Record.newRecord(current, Type.TXT, DClass.IN));
        return resolver.sendAsync(query).toCompletableFuture()
                .thenCompose(response -> read(asked, current, cnames, ttl, response));
    }

    private CompletableFuture<KeyAnswer> read(Name asked, Name current, int cnames, Duration ttl, Message response) {
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) {
            return CompletableFuture.completedFuture(KeyAnswer.notFound(
                    current + " does not exist (NXDOMAIN)", negativeTtl(response)));
        }
        if (rcode != Rcode.NOERROR) {
            return CompletableFuture.completedFuture(KeyAnswer.temporary(
                    "DNS answered " + Rcode.string(rcode) + " for " + current));
        }
        Name owner = current;
        Duration chainTtl = ttl;
        int followed = cnames;
        List<TXTRecord> txts = new ArrayList<>();
        boolean moved = true;
        while (moved) {
            moved = false;
            for (Record record : response.getSection(Section.ANSWER)) {
                if (!record.getName().equals(owner)) {
                    continue;
                }
                if (record instanceof TXTRecord txt) {
                    txts.add(txt);
                    chainTtl = min(chainTtl, Duration.ofSeconds(record.getTTL()));
                } else if (record instanceof CNAMERecord cname && txts.isEmpty()) {
                    if (++followed > MAX_CNAMES) {
                        return CompletableFuture.completedFuture(KeyAnswer.notFound(
                                asked + ": more than " + MAX_CNAMES + " CNAMEs", MAX_NEGATIVE_TTL));
                    }
                    chainTtl = min(chainTtl, Duration.ofSeconds(record.getTTL()));
                    owner = cname.getTarget();
                    moved = true;
                    break;
                }
            }
        }
        if (!txts.isEmpty()) {
            return CompletableFuture.completedFuture(texts(asked, txts, chainTtl));
        }
        if (!owner.equals(current)) {
            // the server gave the CNAME without its target's records: ask for the target
            return step(asked, owner, followed, chainTtl);
        }
        return CompletableFuture.completedFuture(KeyAnswer.notFound(
                owner + " has no TXT record", min(chainTtl, negativeTtl(response))));
    }

    private static KeyAnswer texts(Name asked, List<TXTRecord> records, Duration ttl) {
        if (records.size() > MAX_RECORDS) {
            return KeyAnswer.notFound(asked + " has " + records.size() + " TXT records (at most " + MAX_RECORDS
                    + " are read)", min(ttl, MAX_NEGATIVE_TTL));
        }
        List<String> texts = new ArrayList<>(records.size());
        int total = 0;
        for (TXTRecord record : records) {
            StringBuilder text = new StringBuilder();
            for (byte[] string : record.getStringsAsByteArrays()) {
                total += string.length;
                text.append(new String(string, StandardCharsets.UTF_8));
            }
            texts.add(text.toString());
        }
        if (total > MAX_TEXT_BYTES) {
            return KeyAnswer.notFound(asked + " has " + total + " bytes of TXT records (at most " + MAX_TEXT_BYTES
                    + " are read)", min(ttl, MAX_NEGATIVE_TTL));
        }
        return KeyAnswer.found(texts, ttl);
    }

    /** RFC 2308 §5: the smaller of the SOA's TTL and its MINIMUM field, at most {@link #MAX_NEGATIVE_TTL}. */
    private static Duration negativeTtl(Message response) {
        for (Record record : response.getSection(Section.AUTHORITY)) {
            if (record instanceof SOARecord soa) {
                return min(MAX_NEGATIVE_TTL, Duration.ofSeconds(Math.min(soa.getTTL(), soa.getMinimum())));
            }
        }
        return Duration.ZERO;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private KeyAnswer temporary(Name name, Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof TimeoutException || cause instanceof java.net.SocketTimeoutException) {
            return KeyAnswer.temporary("DNS lookup of " + name + " timed out after " + timeout.toMillis() + " ms");
        }
        if (cause instanceof java.net.PortUnreachableException) {
            return KeyAnswer.temporary("DNS lookup of " + name + " failed: no DNS server at the address");
        }
        return KeyAnswer.temporary("DNS lookup of " + name + " failed: " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()));
    }
}
