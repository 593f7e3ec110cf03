package org.postseal.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeferredKeyRecordSourceTest {
    @Test
    void nothingIsMadeBeforeTheFirstLookupAndTheAnswerIsTheMadeSourcesOwn() throws Exception {
        AtomicInteger made = new AtomicInteger();
        DeferredKeyRecordSource source = new DeferredKeyRecordSource(() -> {
            made.incrementAndGet();
            return (selector, domain) -> CompletableFuture.completedFuture(List.of("v=DKIM1; p=" + selector + domain));
        });
        assertEquals(0, made.get());
        assertFalse(source.made());

        assertEquals(List.of("v=DKIM1; p=selexample.com"), source.lookup("sel", "example.com").get());
        assertEquals(List.of("v=DKIM1; p=otherexample.org"), source.lookup("other", "example.org").get());
        assertEquals(1, made.get());
        assertTrue(source.made());
    }

    @Test
    void concurrentFirstLookupsMakeOneSource() throws Exception {
        AtomicInteger made = new AtomicInteger();
        KeyRecordSource source = KeyRecordSource.whenFirstUsed(() -> {
            made.incrementAndGet();
            try {
                Thread.sleep(50); // long enough for the other threads to arrive while it is being made
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return (selector, domain) -> CompletableFuture.completedFuture(List.of(selector));
        });
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> answers = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String selector = "s" + i;
                answers.add(threads.submit(() -> {
                    start.await();
                    return source.lookup(selector, "example.com").get();
                }));
            }
            start.countDown();
            for (int i = 0; i < 8; i++) {
                assertEquals(List.of("s" + i), answers.get(i).get(10, TimeUnit.SECONDS));
            }
        } finally {
            threads.shutdownNow();
        }
        assertEquals(1, made.get());
    }
}
