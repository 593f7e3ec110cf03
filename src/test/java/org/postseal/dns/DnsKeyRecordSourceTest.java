package org.postseal.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.postseal.dkim.KeyLookupException;
import org.postseal.events.ErrorKind;
import org.postseal.events.KeyLookup;
import org.postseal.events.MailEvents;
import org.postseal.events.MessageNotSigned;
import org.postseal.events.MessageSigned;
import org.postseal.events.MessageVerified;
import org.xbill.DNS.Name;

/**
 * The cache in front of DNS, with a scripted query and a hand-moved ticker: answers are kept for their TTL, "not found"
 * for its (short) TTL, temporary failures never, and concurrent lookups of one name share one query.
 */
class DnsKeyRecordSourceTest {
    private final AtomicLong nanos = new AtomicLong();
    private final Ticker ticker = nanos::get;
    private final List<Name> asked = new ArrayList<>();
    private final Deque<CompletableFuture<KeyAnswer>> script = new ArrayDeque<>();
    private final DnsKeyRecordSource source = new DnsKeyRecordSource(name -> {
        asked.add(name);
        return script.removeFirst();
    }, 100, ticker, Runnable::run);

    @Test
    void anAnswerIsKeptForItsTtlThenAskedAgain() throws Exception {
        script.add(CompletableFuture.completedFuture(KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ofSeconds(60))));
        script.add(CompletableFuture.completedFuture(KeyAnswer.found(List.of("v=DKIM1; p=B"), Duration.ofSeconds(60))));

        assertEquals(List.of("v=DKIM1; p=A"), source.lookup("sel", "example.com").get());
        advance(Duration.ofSeconds(59));
        assertEquals(List.of("v=DKIM1; p=A"), source.lookup("SEL", "Example.COM").get());
        assertEquals(1, asked.size(), "names are cached case-insensitively");
        assertEquals(Name.fromString("sel._domainkey.example.com."), asked.get(0));

        advance(Duration.ofSeconds(2));
        assertEquals(List.of("v=DKIM1; p=B"), source.lookup("sel", "example.com").get());
        assertEquals(2, asked.size());
    }

    @Test
    void aZeroTtlIsNotKept() throws Exception {
        script.add(CompletableFuture.completedFuture(KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ZERO)));
        script.add(CompletableFuture.completedFuture(KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ZERO)));
        source.lookup("sel", "example.com").get();
        source.lookup("sel", "example.com").get();
        assertEquals(2, asked.size());
    }

    @Test
    void notFoundIsPermanentAndKeptForItsNegativeTtl() {
        script.add(CompletableFuture.completedFuture(KeyAnswer.notFound("sel._domainkey.example.com. does not exist"
                + " (NXDOMAIN)", Duration.ofMinutes(5))));
        script.add(CompletableFuture.completedFuture(KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ofSeconds(60))));

        KeyLookupException first = failure(source.lookup("sel", "example.com"));
        assertFalse(first.isTemporary());
        assertTrue(first.getMessage().contains("NXDOMAIN"), first.getMessage());
        advance(Duration.ofMinutes(4));
        assertFalse(failure(source.lookup("sel", "example.com")).isTemporary());
        assertEquals(1, asked.size());

        advance(Duration.ofMinutes(2));
        assertEquals(List.of("v=DKIM1; p=A"), source.lookup("sel", "example.com").join());
        assertEquals(2, asked.size());
    }

    @Test
    void aTemporaryFailureIsNeverKept() {
        script.add(CompletableFuture.completedFuture(KeyAnswer.temporary("DNS lookup timed out")));
        script.add(CompletableFuture.completedFuture(KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ofSeconds(60))));

        assertTrue(failure(source.lookup("sel", "example.com")).isTemporary());
        assertEquals(List.of("v=DKIM1; p=A"), source.lookup("sel", "example.com").join());
        assertEquals(2, asked.size(), "asked again at once, without moving the clock");
    }

    @Test
    void concurrentLookupsOfOneNameShareOneQuery() {
        CompletableFuture<KeyAnswer> pending = new CompletableFuture<>();
        script.add(pending);

        List<CompletableFuture<List<String>>> waiting = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            waiting.add(source.lookup("sel", i % 2 == 0 ? "example.com" : "EXAMPLE.com"));
        }
        assertEquals(1, asked.size());
        assertTrue(waiting.stream().noneMatch(CompletableFuture::isDone), "nothing blocks, nothing is answered yet");

        pending.complete(KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ofSeconds(60)));
        for (CompletableFuture<List<String>> each : waiting) {
            assertEquals(List.of("v=DKIM1; p=A"), each.join());
        }
        assertEquals(1, asked.size());
    }

    @Test
    void concurrentLookupsShareATemporaryFailureButTheNextOneAsksAgain() {
        CompletableFuture<KeyAnswer> pending = new CompletableFuture<>();
        script.add(pending);
        script.add(CompletableFuture.completedFuture(KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ofSeconds(60))));
        CompletableFuture<List<String>> a = source.lookup("sel", "example.com");
        CompletableFuture<List<String>> b = source.lookup("sel", "example.com");
        pending.complete(KeyAnswer.temporary("DNS answered SERVFAIL"));
        assertTrue(failure(a).isTemporary());
        assertTrue(failure(b).isTemporary());
        assertEquals(List.of("v=DKIM1; p=A"), source.lookup("sel", "example.com").join());
        assertEquals(2, asked.size());
    }

    @Test
    void differentNamesAreDifferentQueries() {
        script.add(new CompletableFuture<>());
        script.add(new CompletableFuture<>());
        source.lookup("a", "example.com");
        source.lookup("b", "example.com");
        assertEquals(2, asked.size());
    }

    @Test
    void aNameDnsCannotHoldIsNotFoundWithoutAQuery() {
        KeyLookupException e = failure(source.lookup("x".repeat(64), "example.com"));
        assertFalse(e.isTemporary());
        assertTrue(asked.isEmpty());
    }

    @Test
    void theBlockingAdapterRethrowsTheOutcomeAndTimesOutAsTemporary() throws Exception {
        script.add(CompletableFuture.completedFuture(KeyAnswer.notFound("gone", Duration.ZERO)));
        script.add(new CompletableFuture<>());
        BlockingKeyLookup blocking = new BlockingKeyLookup(source, Duration.ofMillis(50));
        assertFalse(assertThrows(KeyLookupException.class, () -> blocking.lookup("a", "example.com")).isTemporary());
        KeyLookupException slow = assertThrows(KeyLookupException.class, () -> blocking.lookup("b", "example.com"));
        assertTrue(slow.isTemporary());
        assertTrue(slow.getMessage().contains("timed out"), slow.getMessage());
    }

    @Test
    void eachLookupTellsWhetherTheCacheOrAQueryAnsweredAndHowTheQueryEnded() {
        List<KeyLookup> heard = new ArrayList<>();
        MailEvents events = new MailEvents() {
            @Override
            public void signed(MessageSigned event) {
            }

            @Override
            public void notSigned(MessageNotSigned event) {
            }

            @Override
            public void verified(MessageVerified event) {
            }

            @Override
            public void error(ErrorKind kind) {
            }

            @Override
            public void keyLookup(KeyLookup outcome) {
                heard.add(outcome);
            }
        };
        DnsKeyRecordSource counted = new DnsKeyRecordSource(name -> script.removeFirst(), 100, ticker, Runnable::run,
                events);
        CompletableFuture<KeyAnswer> slow = new CompletableFuture<>();
        script.add(CompletableFuture.completedFuture(KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ofMinutes(1))));
        script.add(CompletableFuture.completedFuture(KeyAnswer.notFound("no such name", Duration.ofMinutes(1))));
        script.add(slow);
        counted.lookup("a", "example.com").join();
        counted.lookup("a", "example.com").join();
        counted.lookup("b", "example.com").exceptionally(e -> null).join();
        counted.lookup("c", "example.com");
        counted.lookup("c", "example.com");
        assertEquals(List.of(KeyLookup.FOUND, KeyLookup.CACHED, KeyLookup.NOT_FOUND, KeyLookup.CACHED), heard,
                "the query for c is counted when it ends; the second lookup of c waits for it");
        slow.complete(KeyAnswer.temporary("timed out"));
        assertEquals(KeyLookup.TEMPORARY_FAILURE, heard.get(heard.size() - 1));
        assertEquals(5, heard.size());
    }

    @Test
    void theCacheIsBounded() {
        DnsKeyRecordSource small = new DnsKeyRecordSource(name -> CompletableFuture.completedFuture(
                KeyAnswer.found(List.of("v=DKIM1; p=A"), Duration.ofHours(1))), 10, ticker, Runnable::run);
        for (int i = 0; i < 100; i++) {
            small.lookup("s" + i, "example.com").join();
        }
        assertTrue(small.cachedNames() <= 10, "cached: " + small.cachedNames());
    }

    private void advance(Duration by) {
        nanos.addAndGet(by.toNanos());
    }

    private static KeyLookupException failure(CompletableFuture<List<String>> lookup) {
        ExecutionException e = assertThrows(ExecutionException.class, lookup::get);
        return assertInstanceOf(KeyLookupException.class, e.getCause());
    }

    @Test
    void theSameFailureIsNotSharedAcrossCallersAsTheirFuture() {
        script.add(new CompletableFuture<>());
        CompletableFuture<List<String>> a = source.lookup("sel", "example.com");
        a.cancel(true);
        CompletableFuture<List<String>> b = source.lookup("sel", "example.com");
        assertFalse(b.isDone(), "one caller cancelling does not cancel the shared query");
        assertEquals(1, asked.size());
    }
}
