package org.postseal.postfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.config.MilterSettings;
import org.postseal.config.OpenDkimConf;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.KeyRecordSource;
import org.postseal.interop.Peers;
import org.postseal.interop.Peers.Peer;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.milter.MilterLimits;
import org.postseal.milter.MilterServer;
import org.postseal.milter.MilterSessions;
import org.postseal.milter.SigningPort;
import org.postseal.milter.VerificationSettings;
import org.postseal.postfix.PostfixInstance.MilterDefaultAction;
import org.postseal.postfix.PostfixInstance.Options;

/**
 * postseal in Mode sv behind a real Postfix, from an opendkim.conf with no Mode line (OpenDKIM's default): mail from
 * an external client, signed by dkimpy, arrives with an Authentication-Results field saying {@code dkim=pass} under
 * Postfix's host name (the {@code j} macro), a tampered copy with {@code dkim=fail}, an unsigned one with
 * {@code dkim=none}; two forged Authentication-Results claiming that host name are gone, another's stays; an internal
 * client's mail is still signed and not verified. Keys come from a map behind {@link KeyRecordSource}, the port the
 * DNS lookups stand behind.
 */
class PostsealVerifiesWithPostfixIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final List<String> RCPT = List.of("bob@example.net");

    @TempDir
    static Path work;
    static final Map<String, String> RECORDS = new LinkedHashMap<>();
    static Path peerKey;
    static MilterServer milter;

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        Peers.require(Peer.DKIMPY);
        Path keys = Files.createDirectories(work.resolve("keys"));
        Path ownKey = writeKey(keys, "own", "example.com", "own", DkimKeyGenerator.rsa(2048));
        peerKey = writeKey(keys, "peer", "peer.example", "py", DkimKeyGenerator.rsa(2048));
        Files.writeString(work.resolve("KeyTable"), "own example.com:own:" + ownKey + "\n");
        Files.writeString(work.resolve("SigningTable"), "*@example.com own\n");
        Path conf = Files.writeString(work.resolve("opendkim.conf"), String.join("\n",
                "Socket inet:8891@127.0.0.1",
                "KeyTable " + work.resolve("KeyTable"),
                "SigningTable refile:" + work.resolve("SigningTable"),
                "InternalHosts 127.0.0.1",
                "RequireSafeKeys false") + "\n");
        MilterSettings settings = MilterSettings.fromOpenDkim(OpenDkimConf.read(conf));
        assertTrue(settings.signing() && settings.verifying(), "no Mode line: sv");
        KeyRecordSource keySource = KeyRecordSource.of((selector, domain) -> {
            String record = RECORDS.get(Peers.keyName(selector, domain));
            if (record == null) {
                throw KeyLookupException.notFound(Peers.keyName(selector, domain));
            }
            return List.of(record);
        });
        MilterSettings.Verification v = settings.verification();
        MilterSessions sessions = new MilterSessions(SigningPort.of(settings.signatureSelector()), settings.onError(),
                MilterLimits.DEFAULTS, 2, Clock.systemUTC())
                .withVerification(new VerificationSettings(keySource, settings.authservId(), "localhost",
                        v.actions(), new VerificationLimits(v.maxSignatures(), v.maxSignatureFieldBytes())));
        milter = MilterServer.start(new InetSocketAddress("127.0.0.1", 0), sessions, Optional.empty(),
                Optional.empty());
    }

    @AfterAll
    static void stop() {
        if (milter != null) {
            milter.close();
        }
    }

    @Test
    void externalMailIsVerifiedAndInternalMailSigned() throws Exception {
        int port = ((InetSocketAddress) milter.localAddress()).getPort();
        Options options = Options.builder().milter("inet:127.0.0.1:" + port).milterProtocol(6)
                .milterDefaultAction(MilterDefaultAction.TEMPFAIL).build();
        byte[] signed = Peers.dkimpySign(message("ann@peer.example", "dkimpy signed", ""), "py", "peer.example",
                peerKey, "rsa-sha256", "relaxed/simple");
        byte[] tampered = new String(Peers.dkimpySign(message("ann@peer.example", "tampered", ""), "py",
                "peer.example", peerKey, "rsa-sha256", "relaxed/simple"), StandardCharsets.UTF_8)
                .replace("this is tampered", "this is TAMPERED").getBytes(StandardCharsets.UTF_8);
        String mta = PostfixInstance.HOSTNAME;
        // two forged fields around another's: removed last first, so that Postfix's count of the first is unchanged
        byte[] forged = message("ann@peer.example", "forged results", "Authentication-Results: " + mta
                + "; dkim=pass header.d=bank.example\r\nAuthentication-Results: elsewhere.example; dkim=pass\r\n"
                + "Authentication-Results: (again) " + mta.toUpperCase(java.util.Locale.ROOT) + " 1; spf=pass\r\n");
        try (PostfixInstance postfix = PostfixInstance.start(options)) {
            postfix.sendSmtp("ann@peer.example", RCPT, signed, "127.0.0.2");
            postfix.sendSmtp("ann@peer.example", RCPT, tampered, "127.0.0.2");
            postfix.sendSmtp("ann@peer.example", RCPT, forged, "127.0.0.2");
            postfix.sendSmtp("joe@example.com", RCPT, message("joe@example.com", "internal", ""), "127.0.0.1");
            Map<String, DeliveredMessage> delivered = new LinkedHashMap<>();
            for (DeliveredMessage m : postfix.awaitDelivered(4, DELIVERY)) {
                delivered.put(m.headerValue("Subject"), m);
            }

            DeliveredMessage pass = delivered.get("dkimpy signed");
            assertTrue(pass.text().startsWith("Authentication-Results: " + mta + ";"), "at the very top:\n"
                    + pass.text());
            String results = ours(pass, mta);
            assertTrue(results.matches("(?s)" + mta + "; dkim=pass \\(2048-bit key; unprotected\\)"
                    + " header\\.d=peer\\.example header\\.i=@peer\\.example header\\.a=rsa-sha256 header\\.s=py"
                    + " header\\.b=\\S{8,10}"), results);

            assertTrue(ours(delivered.get("tampered"), mta).contains("dkim=fail reason=\"body hash did not"
                    + " verify\" header.d=peer.example"), delivered.get("tampered").text());

            DeliveredMessage forgedOut = delivered.get("forged results");
            List<String> fields = forgedOut.headerFields("Authentication-Results");
            assertEquals(2, fields.size(), forgedOut.text());
            assertEquals(mta + "; dkim=none", ours(forgedOut, mta), "the forged ones are gone");
            assertTrue(fields.stream().anyMatch(f -> f.contains("elsewhere.example; dkim=pass")), forgedOut.text());

            DeliveredMessage internal = delivered.get("internal");
            assertEquals(List.of(), internal.headerFields("Authentication-Results"), internal.text());
            assertEquals(1, internal.headerFields("DKIM-Signature").size(), internal.text());
            Peers.PeerResult dkimpy = Peers.dkimpyVerify(internal.bytes(), RECORDS);
            assertTrue(dkimpy.allPassed(), dkimpy.output());
        }
    }

    /** The value of the one Authentication-Results field claiming {@code mta}, unfolded. */
    private static String ours(DeliveredMessage message, String mta) {
        List<String> ours = message.headerFields("Authentication-Results").stream()
                .map(f -> f.substring(f.indexOf(':') + 1).replaceAll("\r?\n[ \t]", " ").strip())
                .filter(v -> v.startsWith(mta + ";")).toList();
        assertEquals(1, ours.size(), message.text());
        return ours.get(0);
    }

    private static Path writeKey(Path keys, String name, String domain, String selector, SigningKey key)
            throws Exception {
        Path file = keys.resolve(name + ".private");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, PrivateKeyWriter.pem(key));
        RECORDS.put(Peers.keyName(selector, domain), KeyRecordText.of(key).value());
        return file;
    }

    private static byte[] message(String from, String subject, String extraFields) {
        return (extraFields + "From: " + from + "\r\nTo: Bob <bob@example.net>\r\nSubject: " + subject + "\r\n"
                + "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <" + subject.replace(' ', '.')
                + "@example.test>\r\n\r\nHello Bob,\r\n\r\nthis is " + subject + ".\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }
}
