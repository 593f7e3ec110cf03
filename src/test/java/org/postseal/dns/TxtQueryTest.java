package org.postseal.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.dkim.KeyLookupException;
import org.xbill.DNS.Name;

/**
 * dnsjava's lookups against a real PowerDNS server on a loopback port: what a zone can publish (strings, several
 * records, CNAMEs, big answers) and how each outcome maps to RFC 6376 §6.1.2's permanent and temporary failures.
 */
class TxtQueryTest {
    @TempDir
    static Path dir;
    static PowerDns dns;
    static TxtQuery query;

    @BeforeAll
    static void start() {
        dns = PowerDns.start(dir);
        query = TxtQuery.of(settings(dns.nameServer(), Duration.ofSeconds(5)));
    }

    @AfterAll
    static void stop() {
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void aRecordOfSeveralStringsIsJoined() {
        dns.addTxt("multi._domainkey.example.com", 120, List.of("v=DKIM1; k=rsa; ", "p=MIIB", "AQAB"));
        KeyAnswer answer = query.lookup(name("multi._domainkey.example.com")).join();
        assertEquals(List.of("v=DKIM1; k=rsa; p=MIIBAQAB"), answer.texts());
        assertEquals(Duration.ofSeconds(120), answer.ttl(), "the record's TTL");
    }

    @Test
    void severalRecordsAtOneNameAreAllReturned() {
        dns.addTxt("two._domainkey.example.com", 300, List.of("v=DKIM1; p=ONE"));
        dns.addTxt("two._domainkey.example.com", 300, List.of("v=DKIM1; p=TWO"));
        List<String> texts = query.lookup(name("two._domainkey.example.com")).join().texts();
        assertEquals(2, texts.size(), texts.toString());
        assertTrue(texts.containsAll(List.of("v=DKIM1; p=ONE", "v=DKIM1; p=TWO")), texts.toString());
    }

    @Test
    void aCnameIsFollowedAcrossZonesWithTheSmallestTtl() {
        dns.addTxt("target._domainkey.example.net", 600, List.of("v=DKIM1; p=TARGET"));
        dns.addRecord("alias._domainkey.example.org", "CNAME", 60, "target._domainkey.example.net.");
        KeyAnswer answer = query.lookup(name("alias._domainkey.example.org")).join();
        assertEquals(List.of("v=DKIM1; p=TARGET"), answer.texts());
        assertEquals(Duration.ofSeconds(60), answer.ttl());
    }

    @Test
    void aBigAnswerComesOverTcpAfterTruncation() {
        // 4 records of 1 KiB: more than any UDP answer dnsjava asks for (1232 bytes), so the server sets TC
        for (int i = 0; i < 4; i++) {
            dns.addTxt("big._domainkey.example.com", ("v=DKIM1; n=" + i + "; p=").concat("A".repeat(1000)));
        }
        List<String> texts = query.lookup(name("big._domainkey.example.com")).join().texts();
        assertEquals(4, texts.size());
        assertTrue(texts.stream().allMatch(t -> t.length() > 1000));
    }

    @Test
    void exactlyTheRecordLimitIsRead() {
        for (int i = 0; i < TxtQuery.MAX_RECORDS; i++) {
            dns.addTxt("eight._domainkey.example.com", 300, List.of("v=DKIM1; p=" + i));
        }
        KeyAnswer answer = query.lookup(name("eight._domainkey.example.com")).join();
        assertEquals(TxtQuery.MAX_RECORDS, answer.texts().size(), answer.toString());
    }

    @Test
    void exactlyTheTextLimitIsReadAndOneByteMoreIsNot() {
        int half = TxtQuery.MAX_TEXT_BYTES / 2;
        dns.addTxt("atlimit._domainkey.example.com", padded("v=DKIM1; n=0; p=", half));
        dns.addTxt("atlimit._domainkey.example.com", padded("v=DKIM1; n=1; p=", half));
        KeyAnswer at = query.lookup(name("atlimit._domainkey.example.com")).join();
        assertEquals(2, at.texts().size(), at.toString());
        assertEquals(TxtQuery.MAX_TEXT_BYTES, at.texts().stream().mapToInt(String::length).sum());
        dns.addTxt("past._domainkey.example.com", padded("v=DKIM1; n=0; p=", half));
        dns.addTxt("past._domainkey.example.com", padded("v=DKIM1; n=1; p=", half + 1));
        KeyAnswer past = query.lookup(name("past._domainkey.example.com")).join();
        assertTrue(past.notFoundReason().orElseThrow().contains("has 8193 bytes of TXT records (at most 8192"),
                past.toString());
        assertEquals(2, query.lookup(name("atlimit._domainkey.example.com")).join().texts().size(),
                "the next lookup is answered");
    }

    private static String padded(String start, int length) {
        return start + "A".repeat(length - start.length());
    }

    @Test
    void eightCnamesAreFollowedAndANinthIsNot() {
        chain("eight", TxtQuery.MAX_CNAMES);
        KeyAnswer at = query.lookup(name("eight0._domainkey.example.com")).join();
        assertEquals(List.of("v=DKIM1; p=END"), at.texts(), at.toString());
        chain("nine", TxtQuery.MAX_CNAMES + 1);
        KeyAnswer past = query.lookup(name("nine0._domainkey.example.com")).join();
        assertTrue(past.notFoundReason().orElseThrow().contains("more than " + TxtQuery.MAX_CNAMES + " CNAMEs"),
                past.toString());
    }

    /** {@code prefix0} to {@code prefixN} CNAMEs, each to the next, the last to a TXT record. */
    private static void chain(String prefix, int cnames) {
        for (int i = 0; i < cnames; i++) {
            dns.addRecord(prefix + i + "._domainkey.example.com", "CNAME", 300,
                    prefix + (i + 1) + "._domainkey.example.com.");
        }
        dns.addTxt(prefix + cnames + "._domainkey.example.com", 300, List.of("v=DKIM1; p=END"));
    }

    @Test
    void moreRecordsThanTheLimitIsNoUsableRecord() {
        for (int i = 0; i <= TxtQuery.MAX_RECORDS; i++) {
            dns.addTxt("many._domainkey.example.com", 300, List.of("v=DKIM1; p=" + i));
        }
        KeyAnswer answer = query.lookup(name("many._domainkey.example.com")).join();
        assertTrue(answer.notFoundReason().orElseThrow().contains("TXT records (at most"), answer.toString());
        assertEquals(TxtQuery.MAX_NEGATIVE_TTL, answer.ttl());
    }

    @Test
    void moreTextThanTheLimitIsNoUsableRecord() {
        for (int i = 0; i < 3; i++) {
            dns.addTxt("huge._domainkey.example.com", "v=DKIM1; n=" + i + "; p=" + "A".repeat(3000));
        }
        KeyAnswer answer = query.lookup(name("huge._domainkey.example.com")).join();
        assertTrue(answer.notFoundReason().orElseThrow().contains("bytes of TXT records"), answer.toString());
    }

    @Test
    void nxdomainIsNotFoundKeptForTheZonesNegativeTtlAtMostFiveMinutes() {
        dns.createZone("example.com");
        KeyAnswer answer = query.lookup(name("nobody._domainkey.example.com")).join();
        assertTrue(answer.notFoundReason().orElseThrow().contains("NXDOMAIN"), answer.toString());
        // pdnsutil's SOA says 3600 s; RFC 2308's negative TTL is capped at five minutes here
        assertEquals(Duration.ofMinutes(5), answer.ttl());
    }

    @Test
    void aNameWithoutTxtIsNotFound() {
        dns.addRecord("notxt._domainkey.example.com", "A", 300, "192.0.2.1");
        KeyAnswer answer = query.lookup(name("notxt._domainkey.example.com")).join();
        assertTrue(answer.notFoundReason().orElseThrow().contains("has no TXT record"), answer.toString());
    }

    @Test
    void anErrorCodeSuchAsRefusedIsATemporaryFailure() {
        // PowerDNS refuses names outside its zones, as a resolver refuses clients it does not serve
        assertEquals("DNS answered REFUSED for sel._domainkey.elsewhere.test.",
                temporary(query, "sel._domainkey.elsewhere.test"));
    }

    @Test
    void aServerThatIsDownIsATemporaryFailure() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        TxtQuery down = TxtQuery.of(settings(new NameServer(InetAddress.getLoopbackAddress(), closed),
                Duration.ofSeconds(2)));
        String why = temporary(down, "sel._domainkey.example.com");
        assertEquals("DNS lookup of sel._domainkey.example.com. failed: no DNS server at the address", why);
    }

    @Test
    void aServerThatNeverAnswersTimesOutTemporarilyWithinTheTimeout() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            TxtQuery slow = TxtQuery.of(settings(new NameServer(InetAddress.getLoopbackAddress(),
                    silent.getLocalPort()), Duration.ofMillis(800)));
            long start = System.nanoTime();
            String why = temporary(slow, "sel._domainkey.example.com");
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals("DNS lookup of sel._domainkey.example.com. timed out after 800 ms", why);
            assertTrue(tookMillis < 3000, "took " + tookMillis + " ms");
        }
    }

    @Test
    void aSilentFirstServerGivesWayToTheNextWithinTheTimeout() throws Exception {
        dns.addTxt("second._domainkey.example.com", "v=DKIM1; p=SECOND");
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            TxtQuery twoServers = TxtQuery.of(new DnsSettings(List.of(new NameServer(InetAddress.getLoopbackAddress(),
                    silent.getLocalPort()), dns.nameServer()), Duration.ofSeconds(4), 100));
            assertEquals(List.of("v=DKIM1; p=SECOND"),
                    twoServers.lookup(name("second._domainkey.example.com")).join().texts());
        }
    }

    @Test
    void aStoppedPowerDnsIsTemporaryAndARestartedOneAnswersAgain() {
        dns.addTxt("restart._domainkey.example.com", "v=DKIM1; p=BACK");
        dns.stop();
        try {
            TxtQuery quick = TxtQuery.of(settings(dns.nameServer(), Duration.ofSeconds(1)));
            temporary(quick, "restart._domainkey.example.com");
        } finally {
            dns.restart();
        }
        assertEquals(List.of("v=DKIM1; p=BACK"), query.lookup(name("restart._domainkey.example.com")).join().texts());
    }

    @Test
    void theSourceGoesThroughDnsWithItsCache() throws Exception {
        dns.addTxt("cached._domainkey.example.com", "v=DKIM1; p=CACHED");
        DnsKeyRecordSource source = DnsKeyRecordSource.create(settings(dns.nameServer(), Duration.ofSeconds(5)));
        assertEquals(List.of("v=DKIM1; p=CACHED"), source.lookup("cached", "example.com").get());
        dns.removeRecord("cached._domainkey.example.com", "TXT");
        assertEquals(List.of("v=DKIM1; p=CACHED"), source.lookup("cached", "example.com").get(),
                "kept for its TTL");
        KeyLookupException gone = assertThrows(KeyLookupException.class, () -> new BlockingKeyLookup(
                DnsKeyRecordSource.create(settings(dns.nameServer(), Duration.ofSeconds(5))), Duration.ofSeconds(5))
                .lookup("cached", "example.com"));
        assertFalse(gone.isTemporary());
    }

    private static String temporary(TxtQuery q, String name) {
        KeyAnswer answer = q.lookup(name(name)).join();
        assertTrue(answer.temporaryReason().isPresent(), answer.toString());
        assertEquals(Duration.ZERO, answer.ttl(), "never kept");
        return answer.temporaryReason().get();
    }

    private static DnsSettings settings(NameServer server, Duration timeout) {
        return new DnsSettings(List.of(server), timeout, 100);
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (org.xbill.DNS.TextParseException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
