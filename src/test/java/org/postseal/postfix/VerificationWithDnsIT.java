package org.postseal.postfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.cli.KeyFiles;
import org.postseal.cli.PostsealProcess;
import org.postseal.dns.PowerDns;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.postfix.PostfixInstance.MilterDefaultAction;
import org.postseal.postfix.PostfixInstance.Options;

/**
 * Issue 10 end to end: the real {@code postseal milter} process (the packaged jar, from an opendkim.conf with no
 * {@code Mode} line, so {@code sv}) as Postfix's {@code smtpd_milters}, its key records coming from a real PowerDNS
 * server ({@code Nameservers 127.0.0.1:PORT}). Mail from an external client (127.0.0.2; {@code InternalHosts} is
 * 127.0.0.1) signed by {@code postseal sign}, by dkimpy and by OpenDKIM arrives with {@code dkim=pass}, a tampered
 * copy with {@code dkim=fail}, a selector without a record with {@code dkim=permerror}, a forged
 * Authentication-Results claiming our authserv-id is removed, and with PowerDNS stopped a signed message is still
 * delivered with {@code dkim=temperror}; an internal client's mail is signed and not verified.
 *
 * <p>Then the same messages through the same Postfix set-up with the real OpenDKIM 2.11 ({@code Mode sv}, the same
 * KeyTable, SigningTable, InternalHosts and AuthservID), which must give the same {@code dkim=} word for every
 * message but two: a selector without a record is {@code fail} in OpenDKIM and {@code permerror} in postseal, on
 * purpose (docs/MILTER.md, "Verification"); with PowerDNS stopped OpenDKIM delivers the message with no
 * Authentication-Results field at all (observed, asserted so that a change shows). OpenDKIM's {@code Nameservers} takes addresses without a port (its
 * unbound resolver also refuses to query localhost by default), so OpenDKIM is pointed at PowerDNS with
 * {@code ResolverConfiguration}: an unbound configuration forwarding every name to {@code 127.0.0.1@PORT}. The table
 * is in docs/TESTING.md.
 */
class VerificationWithDnsIT {
    private static final Duration DELIVERY = Duration.ofSeconds(120);
    private static final List<String> RCPT = List.of("bob@example.net");
    private static final String MTA = PostfixInstance.HOSTNAME;
    private static final String EXTERNAL = "127.0.0.2";
    private static final String INTERNAL = "127.0.0.1";
    private static final String NO_FIELD = "(no field)";

    @TempDir
    static Path work;
    static PowerDns dns;
    static Path ownKey;
    static Path psKey;
    static Path pyKey;
    static Path odKey;
    static Path downKey;
    /** Subject to message, sent while DNS answers. */
    static final Map<String, byte[]> MESSAGES = new LinkedHashMap<>();
    static byte[] dnsDown;
    static byte[] internal;

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        Peers.require(Peer.DKIMPY);
        Peers.require(Peer.OPENDKIM);
        Peers.require(Peer.MILTERTEST);
        dns = PowerDns.start(work);
        Path keys = Files.createDirectories(work.resolve("keys"));
        ownKey = KeyFiles.genkey(Files.createDirectories(keys.resolve("own")), "example.com", "own");
        dns.publish("own._domainkey.example.com", keys.resolve("own/own.txt"));
        psKey = KeyFiles.genkey(Files.createDirectories(keys.resolve("ps")), "ps.example", "ps");
        dns.publish("ps._domainkey.ps.example", keys.resolve("ps/ps.txt"));
        pyKey = KeyFiles.genkey(Files.createDirectories(keys.resolve("py")), "py.example", "py");
        dns.publish("py._domainkey.py.example", keys.resolve("py/py.txt"));
        odKey = KeyFiles.opendkimGenkey(Files.createDirectories(keys.resolve("od")), "od.example", "od");
        dns.publish("od._domainkey.od.example", keys.resolve("od/od.txt"));
        // published, but first asked for only while the server is stopped: no cache can answer for it
        downKey = KeyFiles.genkey(Files.createDirectories(keys.resolve("down")), "down.example", "down");
        dns.publish("down._domainkey.down.example", keys.resolve("down/down.txt"));

        PostsealProcess.Outcome signed = PostsealProcess.run(message("ann@ps.example", "postseal signed", ""),
                "sign", "--domain", "ps.example", "--selector", "ps", "--key", psKey.toString());
        assertEquals(0, signed.exitCode(), signed.stderr());
        MESSAGES.put("postseal signed", signed.stdout());
        MESSAGES.put("dkimpy signed", Peers.dkimpySign(message("ann@py.example", "dkimpy signed", ""), "py",
                "py.example", pyKey, "rsa-sha256", "relaxed/simple"));
        MESSAGES.put("opendkim signed", Peers.openDkimSign(message("ann@od.example", "opendkim signed", ""), "od",
                "od.example", odKey, "rsa-sha256", "relaxed/simple"));
        MESSAGES.put("tampered", new String(Peers.dkimpySign(message("ann@py.example", "tampered", ""), "py",
                "py.example", pyKey, "rsa-sha256", "relaxed/simple"), StandardCharsets.UTF_8)
                .replace("this is tampered", "this is TAMPERED").getBytes(StandardCharsets.UTF_8));
        MESSAGES.put("no key record", Peers.dkimpySign(message("ann@py.example", "no key record", ""), "gone",
                "py.example", pyKey, "rsa-sha256", "relaxed/simple"));
        // signed (so that OpenDKIM, which adds nothing to unsigned mail, adds a field too), with a forged field
        // claiming our authserv-id above the signature, and another's below
        MESSAGES.put("forged results", Peers.dkimpySign(message("ann@py.example", "forged results",
                "Authentication-Results: " + MTA + "; dkim=pass header.d=bank.example\r\n"
                        + "Authentication-Results: elsewhere.example; dkim=pass\r\n"), "py", "py.example", pyKey,
                "rsa-sha256", "relaxed/simple"));
        dnsDown = Peers.dkimpySign(message("ann@down.example", "dns down", ""), "down", "down.example", downKey,
                "rsa-sha256", "relaxed/simple");
        internal = message("joe@example.com", "internal", "");

        Files.writeString(work.resolve("KeyTable"), "own example.com:own:" + ownKey + "\n");
        Files.writeString(work.resolve("SigningTable"), "*@example.com own\n");
        Files.writeString(work.resolve("InternalHosts"), INTERNAL + "\n");
    }

    @AfterAll
    static void stop() {
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void postsealAndOpenDkimGiveTheSameResultsFromRecordsInPowerDns() throws Exception {
        Map<String, String> postseal = throughPostfix("postseal");
        dns.restart();
        Map<String, String> openDkim = throughPostfix("opendkim");

        String table = table(postseal, openDkim);
        System.out.println(table);
        assertEquals("pass", postseal.get("postseal signed"), table);
        assertEquals("pass", postseal.get("dkimpy signed"));
        assertEquals("pass", postseal.get("opendkim signed"));
        assertEquals("fail", postseal.get("tampered"));
        assertEquals("permerror", postseal.get("no key record"));
        assertEquals("pass", postseal.get("forged results"));
        assertEquals("temperror", postseal.get("dns down"));

        for (String subject : postseal.keySet()) {
            if (subject.equals("no key record")) {
                // deliberate (docs/MILTER.md): RFC 6376 §6.1.2 / RFC 8601 §2.7.1 make a missing key permerror
                assertEquals("fail", openDkim.get(subject), table);
            } else if (subject.equals("dns down")) {
                // OpenDKIM's behaviour, not a choice of postseal's (docs/TESTING.md): with its key query failing it
                // delivered the message with no Authentication-Results field at all, although its manual gives
                // On-DNSError a default of tempfail; postseal says temperror (RFC 6376 §6.1.2) and delivers it
                assertEquals(NO_FIELD, openDkim.get(subject), table);
            } else {
                assertEquals(postseal.get(subject), openDkim.get(subject), subject + "\n" + table);
            }
        }
    }

    private static String table(Map<String, String> postseal, Map<String, String> openDkim) {
        StringBuilder table = new StringBuilder("| message | postseal | OpenDKIM |\n");
        for (String subject : postseal.keySet()) {
            table.append("| ").append(subject).append(" | ").append(postseal.get(subject)).append(" | ")
                    .append(openDkim.get(subject)).append(" |\n");
        }
        return table.toString();
    }

    /**
     * Sends every message through a new Postfix with {@code which} milter (a new process, so nothing is cached),
     * stops PowerDNS for the last external one, and returns each message's dkim= word in our field.
     */
    private static Map<String, String> throughPostfix(String which) throws Exception {
        Path dir = Files.createDirectories(work.resolve(which));
        int port = PostfixInstance.freePort();
        Process milter = which.equals("postseal") ? postseal(dir, port) : openDkim(dir, port);
        Path log = dir.resolve("milter.log");
        Map<String, String> results = new LinkedHashMap<>();
        try {
            awaitListening(milter, port, log);
            Options options = Options.builder().milter("inet:127.0.0.1:" + port).milterProtocol(6)
                    .milterDefaultAction(MilterDefaultAction.TEMPFAIL).build();
            try (PostfixInstance postfix = PostfixInstance.start(options)) {
                for (Map.Entry<String, byte[]> m : MESSAGES.entrySet()) {
                    postfix.sendSmtp("ann@" + m.getKey().replace(' ', '-') + ".test", RCPT, m.getValue(), EXTERNAL);
                }
                postfix.sendSmtp("joe@example.com", RCPT, internal, INTERNAL);
                Map<String, DeliveredMessage> delivered = bySubject(postfix.awaitDelivered(MESSAGES.size() + 1,
                        DELIVERY));
                DeliveredMessage mine = delivered.get("internal");
                assertEquals(List.of(), mine.headerFields("Authentication-Results"), which + ":\n" + mine.text());
                assertEquals(1, mine.headerFields("DKIM-Signature").size(), which + ":\n" + mine.text());
                Peers.PeerResult verified = Peers.dkimpyVerifyOverDns(mine.bytes(), dns.nameServer().toString());
                assertTrue(verified.allPassed(), which + ", internal, dkimpy over DNS:\n" + verified.output());

                dns.stop();
                postfix.sendSmtp("ann@down.example", RCPT, dnsDown, EXTERNAL);
                // delivered, not tempfailed: nothing is rejected because DNS is down
                delivered.putAll(bySubject(postfix.awaitDelivered(1, DELIVERY)));
                String context = which + " log:\n" + Files.readString(log);

                for (String subject : MESSAGES.keySet()) {
                    results.put(subject, dkimWord(delivered.get(subject), context));
                }
                results.put("dns down", dkimWord(delivered.get("dns down"), context));

                DeliveredMessage forged = delivered.get("forged results");
                List<String> fields = forged.headerFields("Authentication-Results");
                assertTrue(fields.stream().anyMatch(f -> f.contains("elsewhere.example; dkim=pass")), forged.text());
                // both milters remove it
                assertEquals(2, fields.size(), which + ": the forged field is gone:\n" + forged.text());
                assertTrue(fields.stream().noneMatch(f -> f.contains("bank.example")), forged.text());
            }
        } finally {
            stop(milter);
        }
        return results;
    }

    private static Process postseal(Path dir, int port) throws IOException {
        Path conf = Files.writeString(dir.resolve("opendkim.conf"), String.join("\n", sharedConf(port))
                + "\nNameservers 127.0.0.1:" + dns.port() + "\n");
        return new ProcessBuilder("java", "-jar",
                Path.of(System.getProperty("postseal.jar", "target/postseal.jar")).toString(),
                "milter", "--opendkim-conf", conf.toString())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("milter.log").toFile()).start();
    }

    private static Process openDkim(Path dir, int port) throws IOException {
        Path unbound = Files.writeString(dir.resolve("unbound.conf"), String.join("\n",
                "server:",
                "  do-not-query-localhost: no",
                "  module-config: \"iterator\"",
                "forward-zone:",
                "  name: \".\"",
                "  forward-addr: 127.0.0.1@" + dns.port(),
                ""));
        Path conf = Files.writeString(dir.resolve("opendkim.conf"), String.join("\n", sharedConf(port))
                + "\nResolverConfiguration " + unbound + "\nSyslog no\nTemporaryDirectory " + dir
                + "\nUMask 077\n");
        return new ProcessBuilder("/usr/sbin/opendkim", "-f", "-x", conf.toString())
                .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(dir.resolve("milter.log").toFile()).start();
    }

    /** What both milters read: no Mode line (so sv), the same tables, InternalHosts and AuthservID. */
    private static List<String> sharedConf(int port) {
        return List.of(
                "Socket inet:" + port + "@127.0.0.1",
                "KeyTable " + work.resolve("KeyTable"),
                "SigningTable refile:" + work.resolve("SigningTable"),
                "InternalHosts " + work.resolve("InternalHosts"),
                "AuthservID " + MTA,
                "Canonicalization relaxed/simple",
                // the keys live under /tmp: OpenDKIM would refuse them for their parent directories
                "RequireSafeKeys false");
    }

    private static void awaitListening(Process process, int port, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("milter exited:\n" + Files.readString(log));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("milter did not listen on " + port + ":\n" + Files.readString(log));
    }

    private static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Map<String, DeliveredMessage> bySubject(List<DeliveredMessage> messages) {
        Map<String, DeliveredMessage> bySubject = new LinkedHashMap<>();
        for (DeliveredMessage m : messages) {
            bySubject.put(m.headerValue("Subject"), m);
        }
        return bySubject;
    }

    /**
     * The dkim= word of the one Authentication-Results field claiming our authserv-id, or {@code (no field)} when
     * there is none.
     */
    private static String dkimWord(DeliveredMessage message, String context) {
        List<String> ours = message.headerFields("Authentication-Results").stream()
                .map(f -> f.substring(f.indexOf(':') + 1).replaceAll("\r?\n[ \t]", " ").strip())
                .filter(v -> v.toLowerCase(Locale.ROOT).startsWith(MTA + ";")).toList();
        if (ours.isEmpty()) {
            return NO_FIELD;
        }
        assertEquals(1, ours.size(), message.text() + "\n" + context);
        Matcher m = Pattern.compile("\\bdkim=(\\w+)").matcher(ours.get(0));
        assertTrue(m.find(), ours.get(0) + "\n" + context);
        return m.group(1);
    }

    private static byte[] message(String from, String subject, String extraFields) {
        return (extraFields + "From: " + from + "\r\nTo: Bob <bob@example.net>\r\nSubject: " + subject + "\r\n"
                + "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <" + subject.replace(' ', '.')
                + "@example.test>\r\n\r\nHello Bob,\r\n\r\nthis is " + subject + ".\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
