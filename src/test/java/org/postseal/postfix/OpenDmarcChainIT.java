package org.postseal.postfix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.config.MilterSettings;
import org.postseal.config.OpenDkimConf;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dns.DnsKeyRecordSource;
import org.postseal.dns.PowerDns;
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
 * The chain administrators run: {@code smtpd_milters = postseal, opendmarc} on a real Postfix, postseal in Mode sv
 * (an opendkim.conf with no Mode line) taking key records from a real PowerDNS ({@code Nameservers 127.0.0.1:PORT}),
 * and Debian's OpenDMARC after it, trusting postseal's authserv-id (Postfix's host name, the {@code j} macro), checking
 * SPF itself ({@code SPFSelfValidate}, {@code SPFIgnoreResults}) and reading the DMARC ({@code p=reject}) and SPF
 * records from the same PowerDNS. From an external client (127.0.0.2), every message From ann@peer.example:
 * <ul>
 *   <li>signed by dkimpy with d=peer.example (aligned): {@code dmarc=pass};</li>
 *   <li>unsigned (forged): {@code dmarc=fail};</li>
 *   <li>validly signed by another domain, evil.example (forged, not aligned): {@code dkim=pass} from postseal and
 *     {@code dmarc=fail}.</li>
 * </ul>
 * A control: OpenDMARC trusting another authserv-id gives the aligned message {@code dmarc=fail}, so the pass above
 * comes from postseal's field. Then OpenDKIM (Mode sv, the same AuthservID, keys and DNS) in postseal's place:
 * OpenDMARC gives the same results.
 * OpenDKIM is given {@code AlwaysAddARHeader yes} so that it writes {@code dkim=none} for the unsigned message as
 * postseal does (without it OpenDKIM adds no field for an unsigned message).
 *
 * <p>SPF cannot decide anything here: libspf2, which OpenDMARC checks SPF with, passes every loopback client
 * (seen here: {@code spf=pass} from 127.0.0.2 against {@code ip4:192.0.2.1 -all}), and every client of a test
 * Postfix is on loopback. So the envelope sender is in a third domain ({@value #ENVELOPE_DOMAIN}, its SPF record
 * allowing 192.0.2.1 only), SPF is never aligned with the From domain, and each DMARC verdict rests on the DKIM
 * result OpenDMARC read from the verifier's Authentication-Results alone. The test asserts that SPF result and
 * domain, so a change there shows.
 *
 * <p>OpenDMARC and libspf2 resolve through glibc's resolver, which reads {@code /etc/resolv.conf} and only talks to
 * port 53; OpenDMARC has no name server setting. So PowerDNS also answers on port 53 of a loopback address of its own
 * (127.X.Y.Z, random; binding port 53 needs root), and OpenDMARC runs in a private mount namespace
 * ({@code unshare --mount}) where a {@code resolv.conf} naming that address is bind-mounted over
 * {@code /etc/resolv.conf}; the system's file is never changed. OpenDKIM is linked with libunbound and takes
 * {@code Nameservers 127.0.0.1@PORT} (unbound's address syntax). Without root, opendmarc, OpenDKIM, dkimpy or Postfix
 * the test is skipped, and fails under {@code CI=true}.
 */
class OpenDmarcChainIT {
    private static final Path OPENDMARC = Path.of("/usr/sbin/opendmarc");
    private static final Path OPENDKIM = Path.of("/usr/sbin/opendkim");
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final List<String> RCPT = List.of("bob@example.net");
    private static final String MTA = PostfixInstance.HOSTNAME;
    private static final String DMARC_ID = "dmarc.postseal.test";
    /** The envelope sender's domain, not the From domain: SPF can never align (see the class comment). */
    private static final String ENVELOPE_DOMAIN = "relay.example";

    @TempDir
    static Path work;
    static PowerDns dns;
    static Path ownKey;
    static Map<String, byte[]> messages = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        PostfixPrograms.require();
        Peers.require(Peer.DKIMPY);
        Peers.require(Peer.OPENDKIM);
        Peers.requireProgram(OPENDMARC, "opendmarc");
        if (!"root".equals(System.getProperty("user.name"))) {
            Peers.unavailable("OpenDmarcChainIT needs root: PowerDNS on port 53 of a loopback address for"
                    + " OpenDMARC's resolver, and a private mount namespace for its resolv.conf");
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        InetAddress resolver = InetAddress.getByAddress(new byte[] {127, (byte) random.nextInt(100, 200),
                (byte) random.nextInt(1, 255), (byte) random.nextInt(1, 255)});
        dns = PowerDns.start(work, List.of(new InetSocketAddress(resolver, 53)));
        Files.writeString(work.resolve("resolv.conf"), "nameserver " + resolver.getHostAddress()
                + "\noptions timeout:2 attempts:2\n");

        Path keys = Files.createDirectories(work.resolve("keys"));
        ownKey = writeKey(keys, "own", "example.com", "own", DkimKeyGenerator.rsa(2048));
        Path peerKey = writeKey(keys, "peer", "peer.example", "py", DkimKeyGenerator.rsa(2048));
        Path evilKey = writeKey(keys, "evil", "evil.example", "ev", DkimKeyGenerator.rsa(2048));
        for (String domain : List.of("peer.example", "evil.example", ENVELOPE_DOMAIN)) {
            dns.createZone(domain);
            dns.addTxt(domain, "v=spf1 ip4:192.0.2.1 -all");
            dns.addTxt("_dmarc." + domain, "v=DMARC1; p=reject");
        }
        messages.put("aligned", Peers.dkimpySign(message("aligned"), "py", "peer.example", peerKey, "rsa-sha256",
                "relaxed/simple"));
        messages.put("unsigned", message("unsigned"));
        messages.put("other signer", Peers.dkimpySign(message("other signer"), "ev", "evil.example", evilKey,
                "rsa-sha256", "relaxed/simple"));
    }

    @AfterAll
    static void stop() {
        if (dns != null) {
            dns.close();
        }
    }

    @Test
    void openDmarcAfterPostsealGivesWhatItGivesAfterOpenDkim() throws Exception {
        Map<String, Results> afterPostseal;
        Path dir = Files.createDirectories(work.resolve("postseal"));
        Path conf = Files.writeString(dir.resolve("opendkim.conf"), String.join("\n",
                "Socket inet:8891@127.0.0.1",
                "KeyTable " + keyTable(dir),
                "SigningTable refile:" + signingTable(dir),
                "InternalHosts 127.0.0.1",
                "Nameservers 127.0.0.1:" + dns.port(),
                "RequireSafeKeys false") + "\n");
        MilterSettings settings = MilterSettings.fromOpenDkim(OpenDkimConf.read(conf));
        assertTrue(settings.signing() && settings.verifying(), "no Mode line: sv");
        MilterSettings.Verification v = settings.verification();
        MilterSessions sessions = new MilterSessions(SigningPort.of(settings.signatureSelector()), settings.onError(),
                MilterLimits.DEFAULTS, 2, Clock.systemUTC())
                .withVerification(new VerificationSettings(DnsKeyRecordSource.create(settings.dns()),
                        settings.authservId(), "localhost", v.actions(),
                        new VerificationLimits(v.maxSignatures(), v.maxSignatureFieldBytes())));
        try (MilterServer postseal = MilterServer.start(new InetSocketAddress("127.0.0.1", 0), sessions,
                Optional.empty(), Optional.empty())) {
            String address = "inet:127.0.0.1:" + ((InetSocketAddress) postseal.localAddress()).getPort();
            afterPostseal = run(dir, address, MTA);
            // the control: OpenDMARC not trusting postseal's authserv-id has no DKIM result to go on
            Map<String, Results> untrusted = run(Files.createDirectories(dir.resolve("untrusted")), address,
                    "elsewhere.example");
            assertEquals(new Results("pass", "pass", "fail"), untrusted.get("aligned"), "untrusted: " + untrusted);
        }

        Path odDir = Files.createDirectories(work.resolve("opendkim"));
        int odPort = PostfixInstance.freePort();
        Path odConf = Files.writeString(odDir.resolve("opendkim.conf"), String.join("\n",
                "Mode sv",
                "Socket inet:" + odPort + "@127.0.0.1",
                "KeyTable " + keyTable(odDir),
                "SigningTable refile:" + signingTable(odDir),
                "InternalHosts 127.0.0.1",
                "AuthservID " + MTA,
                "AlwaysAddARHeader yes",
                "Nameservers 127.0.0.1@" + dns.port(),
                "RequireSafeKeys false",
                "TemporaryDirectory " + odDir,
                "Syslog no",
                "UMask 077") + "\n");
        Map<String, Results> afterOpenDkim;
        try (Daemon opendkim = Daemon.start(List.of(OPENDKIM.toString(), "-f", "-x", odConf.toString()), odPort,
                odDir.resolve("opendkim.log"))) {
            afterOpenDkim = run(odDir, "inet:127.0.0.1:" + odPort, MTA);
        }

        assertEquals(Map.of(
                "aligned", new Results("pass", "pass", "pass"),
                "unsigned", new Results("none", "pass", "fail"),
                "other signer", new Results("pass", "pass", "fail")), afterPostseal, "after postseal");
        assertEquals(afterPostseal, afterOpenDkim, "OpenDMARC after OpenDKIM as after postseal");
    }

    /** What the verifier said ({@code dkim=} under {@value #MTA}) and what OpenDMARC made of it. */
    record Results(String dkim, String spf, String dmarc) {
    }

    /**
     * Sends the three messages through {@code smtpd_milters = verifier, opendmarc}, OpenDMARC trusting
     * {@code trusted}, and reads the results.
     */
    private static Map<String, Results> run(Path dir, String verifier, String trusted) throws Exception {
        int dmarcPort = PostfixInstance.freePort();
        Path ignore = Files.writeString(dir.resolve("ignore-hosts"), "127.0.0.1\n");
        Path dmarcConf = Files.writeString(dir.resolve("opendmarc.conf"), String.join("\n",
                "Socket inet:" + dmarcPort + "@127.0.0.1",
                "AuthservID " + DMARC_ID,
                "TrustedAuthservIDs " + trusted,
                "IgnoreHosts " + ignore,
                "SPFIgnoreResults true",
                "SPFSelfValidate true",
                "RejectFailures false",
                "FailureReports false",
                "Syslog false",
                "Background false") + "\n");
        // glibc reads /etc/resolv.conf: give OpenDMARC its own in a private mount namespace
        List<String> command = List.of("unshare", "--mount", "sh", "-c",
                "mount --bind \"$1\" /etc/resolv.conf && exec \"$2\" -f -c \"$3\"", "sh",
                work.resolve("resolv.conf").toString(), OPENDMARC.toString(), dmarcConf.toString());
        Options options = Options.builder().milter(verifier).milterProtocol(6)
                .milterDefaultAction(MilterDefaultAction.TEMPFAIL)
                .mainCf("smtpd_milters = " + verifier + ", inet:127.0.0.1:" + dmarcPort)
                .mainCf("non_smtpd_milters =").build();
        try (Daemon opendmarc = Daemon.start(command, dmarcPort, dir.resolve("opendmarc.log"));
                PostfixInstance postfix = PostfixInstance.start(options)) {
            try {
                for (Map.Entry<String, byte[]> m : messages.entrySet()) {
                    postfix.sendSmtp("bounces@" + ENVELOPE_DOMAIN, RCPT, m.getValue(), "127.0.0.2");
                }
            } catch (RuntimeException e) {
                throw new AssertionError(e + "\nPostfix log:\n" + postfix.log() + "\nOpenDMARC:\n"
                        + Files.readString(dir.resolve("opendmarc.log")), e);
            }
            Map<String, Results> results = new LinkedHashMap<>();
            for (DeliveredMessage m : postfix.awaitDelivered(messages.size(), DELIVERY)) {
                assertTrue(result(m, DMARC_ID, "spf").contains("smtp.mailfrom=" + ENVELOPE_DOMAIN), m.text());
                results.put(m.headerValue("Subject"), new Results(word(result(m, MTA, "dkim"), "dkim"),
                        word(result(m, DMARC_ID, "spf"), "spf"), word(result(m, DMARC_ID, "dmarc"), "dmarc")));
            }
            return results;
        }
    }

    /** The one Authentication-Results field of {@code authservId} with a {@code method=} result, unfolded. */
    private static String result(DeliveredMessage message, String authservId, String method) {
        List<String> fields = message.headerFields("Authentication-Results").stream()
                .map(f -> f.substring(f.indexOf(':') + 1).replaceAll("\r?\n[ \t]", " ").strip())
                .filter(value -> value.startsWith(authservId + ";") && value.contains(" " + method + "="))
                .toList();
        assertEquals(1, fields.size(), authservId + " " + method + "= in\n" + message.text());
        return fields.get(0);
    }

    private static String word(String field, String method) {
        Matcher m = Pattern.compile("\\b" + method + "=(\\w+)").matcher(field);
        assertTrue(m.find(), field);
        return m.group(1);
    }

    private static Path keyTable(Path dir) throws IOException {
        return Files.writeString(dir.resolve("KeyTable"), "own example.com:own:" + ownKey + "\n");
    }

    private static Path signingTable(Path dir) throws IOException {
        return Files.writeString(dir.resolve("SigningTable"), "*@example.com own\n");
    }

    private static Path writeKey(Path keys, String name, String domain, String selector, SigningKey key)
            throws Exception {
        Path file = keys.resolve(name + ".private");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, PrivateKeyWriter.pem(key));
        dns.addTxt(selector + "._domainkey." + domain, KeyRecordText.of(key).value());
        return file;
    }

    private static byte[] message(String subject) {
        return ("From: Ann <ann@peer.example>\r\nTo: Bob <bob@example.net>\r\nSubject: " + subject + "\r\n"
                + "Date: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <" + subject.replace(' ', '.')
                + "@peer.example>\r\n\r\nHello Bob,\r\n\r\nthis is " + subject + ".\r\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A milter process in the foreground, its output in a file, ready once its TCP port answers. */
    private static final class Daemon implements AutoCloseable {
        private final Process process;
        private final Path log;

        private Daemon(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static Daemon start(List<String> command, int port, Path log) throws IOException {
            Process process = new ProcessBuilder(new ArrayList<>(command)).redirectInput(new File("/dev/null"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Daemon daemon = new Daemon(process, log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (process.isAlive() && System.nanoTime() - deadline < 0) {
                try (Socket probe = new Socket()) {
                    probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
                    return daemon;
                } catch (IOException notYet) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
            }
            daemon.close();
            throw new IllegalStateException(command + " did not listen on 127.0.0.1:" + port + ":\n"
                    + Files.readString(log));
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
