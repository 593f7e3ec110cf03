package org.postseal.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postseal.cli.KeyFiles;
import org.postseal.cli.PostsealProcess;
import org.postseal.dns.PowerDns;

/**
 * {@code postseal verify} with its keys from a real DNS server (PowerDNS on a loopback port), judged against dkimpy
 * asking the same server: every message of the interop corpus, signed by {@code postseal sign} with three published
 * keys (RSA and Ed25519 made by {@code postseal genkey}, RSA made by {@code opendkim-genkey}), intact and tampered
 * (a line appended to the body, the Subject changed), must get the same verdict for each signature from both, and
 * the verdict expected. A selector without a record fails in both.
 */
class DnsVerifyInteropIT {
    private static final String DOMAIN = "example.com";
    private static final Pattern POSTSEAL_LINE = Pattern.compile("^dkim=(\\S+)", Pattern.MULTILINE);

    @TempDir
    static Path dir;
    static PowerDns dns;

    @BeforeAll
    static void publishKeys() throws Exception {
        dns = PowerDns.start(dir);
        KeyFiles.genkey(dir, DOMAIN, "rsa");
        KeyFiles.genkey(dir, DOMAIN, "ed", "-a", "ed25519");
        KeyFiles.opendkimGenkey(dir, DOMAIN, "odk");
        for (String selector : List.of("rsa", "ed", "odk")) {
            dns.publish(selector + "._domainkey." + DOMAIN, dir.resolve(selector + ".txt"));
        }
    }

    @AfterAll
    static void stopDns() {
        if (dns != null) {
            dns.close();
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String message : InteropMessages.all().keySet()) {
            cases.add(Arguments.of(message));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void postsealOverDnsAgreesWithDkimpyOverDns(String name) throws Exception {
        byte[] message = InteropMessages.all().get(name);
        PostsealProcess.Outcome signed = PostsealProcess.run(message, "sign", "-d", DOMAIN,
                "-s", "rsa", "-k", key("rsa"), "-s", "ed", "-k", key("ed"), "-s", "odk", "-k", key("odk"));
        assertEquals(0, signed.exitCode(), signed.stderr());

        Map<String, byte[]> variants = new LinkedHashMap<>();
        variants.put("intact", signed.stdout());
        variants.put("body appended", appended(signed.stdout()));
        variants.put("Subject changed", InteropMessages.tamper(signed.stdout(), "Subject: ", "Subject: Re: "));
        for (Map.Entry<String, byte[]> variant : variants.entrySet()) {
            String expected = variant.getKey().equals("intact") ? "pass" : "fail";
            PostsealProcess.Outcome postseal = PostsealProcess.run(variant.getValue(), "verify", "--nameserver",
                    dns.nameServer().toString());
            Peers.PeerResult dkimpy = Peers.dkimpyVerifyOverDns(variant.getValue(), dns.nameServer().toString());
            String context = name + ", " + variant.getKey() + "\npostseal:\n" + postseal.out() + postseal.stderr()
                    + "dkimpy:\n" + dkimpy.output();
            assertEquals(List.of(expected, expected, expected), verdicts(postseal.out()), context);
            assertEquals(verdicts(postseal.out()), dkimpy.verdicts(), context);
            assertEquals(expected.equals("pass") ? 0 : 1, postseal.exitCode(), context);
        }
    }

    @org.junit.jupiter.api.Test
    void aSelectorWithoutRecordFailsInBoth() throws Exception {
        PostsealProcess.Outcome signed = PostsealProcess.run(InteropMessages.bytes(InteropMessages.PLAIN), "sign",
                "-d", DOMAIN,
                "-s", "unpublished", "-k", key("rsa"));
        PostsealProcess.Outcome postseal = PostsealProcess.run(signed.stdout(), "verify", "--nameserver",
                dns.nameServer().toString());
        Peers.PeerResult dkimpy = Peers.dkimpyVerifyOverDns(signed.stdout(), dns.nameServer().toString());
        assertEquals(List.of("permerror"), verdicts(postseal.out()), postseal.out());
        assertEquals(List.of("fail"), dkimpy.verdicts(), dkimpy.output());
        assertEquals(1, postseal.exitCode());
    }

    private static List<String> verdicts(String postsealOutput) {
        List<String> verdicts = new ArrayList<>();
        Matcher line = POSTSEAL_LINE.matcher(postsealOutput);
        while (line.find()) {
            verdicts.add(line.group(1));
        }
        return verdicts;
    }

    private static byte[] appended(byte[] message) {
        byte[] extra = "\r\nAppended after signing.\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[message.length + extra.length];
        System.arraycopy(message, 0, out, 0, message.length);
        System.arraycopy(extra, 0, out, message.length, extra.length);
        return out;
    }

    private static String key(String selector) {
        return dir.resolve(selector + ".private").toString();
    }
}
