package org.postseal.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.concurrent.Callable;
import org.postseal.dkim.DkimFailureException;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.KeyRecord;
import org.postseal.dkim.PublicKeyCodec;
import org.postseal.dkim.PublicKeyFormatException;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.KeyFileException;
import org.postseal.keys.PrivateKeyReader;
import org.postseal.transport.ExitStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code postseal testkey}: checks that the key record published at {@code SELECTOR._domainkey.DOMAIN} is the public
 * half of a private key file, for RSA and Ed25519 (opendkim-testkey checks RSA only), as a verifier would read it:
 * the first record that parses counts. Each way it can go wrong has its own exit code and one line saying what to
 * fix (docs/CLI.md has the table); exit 0 only when the published key matches.
 */
@Command(name = "testkey", mixinStandardHelpOptions = true,
        description = "Check that the DKIM key record published in DNS matches a private key file.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            " 0:the published key is the private key's public half",
            " 1:another key, another key type, or a revoked record is published",
            " 2:the published RSA key is under 1024 bits (RFC 8301)",
            "65:the key file is not a usable private key", "66:the key file is missing",
            "68:no key record is published at SELECTOR._domainkey.DOMAIN",
            "75:DNS did not answer (timeout, SERVFAIL, no server): try again",
            "76:the published record is not a DKIM key record"})
final class TestkeyCommand implements Callable<Integer> {
    @Option(names = {"-d", "--domain"}, required = true, paramLabel = "DOMAIN", description = "Signing domain (d=).")
    private String domain;

    @Option(names = {"-s", "--selector"}, required = true, paramLabel = "SELECTOR", description = "Selector (s=).")
    private String selector;

    @Option(names = {"-k", "--key"}, required = true, paramLabel = "FILE", description = "The private key file.")
    private Path keyFile;

    @Option(names = {"-v", "--verbose"}, description = "Say what is looked up and found on stderr.")
    private boolean verbose;

    @Mixin
    private DnsOptions dns;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        String name = selector + "._domainkey." + domain;
        if (!Files.isRegularFile(keyFile) || !Files.isReadable(keyFile)) {
            throw new CommandFailure(ExitStatus.NO_INPUT, keyFile + ": no such readable file");
        }
        PrintWriter err = spec.commandLine().getErr();
        List<String> texts = published(name);
        if (verbose) {
            texts.forEach(text -> err.println(name + ": \"" + text + "\""));
        }
        if (texts.size() > 1) {
            err.println("postseal testkey: warning: " + name + " has " + texts.size() + " TXT records; verifiers may"
                    + " use any of them (RFC 6376 section 3.6.2.2): keep only one");
        }
        KeyRecord record = firstKeyRecord(name, texts);
        if (record.revoked()) {
            throw new CommandFailure(ExitStatus.NOT_VERIFIED, name + " is revoked (empty p=): publish the record"
                    + " of " + keyFile + " (genkey wrote it in " + selector + ".txt)");
        }
        PublicKey publishedKey;
        try {
            publishedKey = PublicKeyCodec.decode(record.keyType(), record.publicKeyData());
        } catch (PublicKeyFormatException e) {
            throw new CommandFailure(ExitStatus.PROTOCOL, name + ": p= is not a usable " + record.keyType() + " key ("
                    + e.getMessage() + "): publish the record of " + keyFile + " again, whole");
        }
        if (publishedKey instanceof RSAPublicKey rsa
                && rsa.getModulus().bitLength() < PrivateKeyReader.DEFAULT_MINIMUM_RSA_BITS) {
            throw new CommandFailure(ExitStatus.KEY_TOO_SHORT, name + " publishes an RSA key of "
                    + rsa.getModulus().bitLength() + " bits, which verifiers refuse (RFC 8301: at least 1024):"
                    + " make a 2048-bit key with 'postseal genkey' and publish it");
        }
        SigningKey key;
        try {
            key = PrivateKeyReader.read(keyFile);
        } catch (KeyFileException e) {
            throw new CommandFailure(ExitStatus.DATA_ERROR, e.getMessage());
        }
        if (!record.keyType().equals(key.algorithm().keyType())) {
            throw new CommandFailure(ExitStatus.NOT_VERIFIED, name + " publishes a k=" + record.keyType() + " key but "
                    + keyFile + " is a " + key.algorithm().keyType() + " key: publish the record of " + keyFile);
        }
        if (!PublicKeyCodec.encode(publishedKey).equals(PublicKeyCodec.encode(key.publicKey()))) {
            throw new CommandFailure(ExitStatus.NOT_VERIFIED, name + " publishes another key than the public key of "
                    + keyFile + ": publish its record (genkey wrote it in " + selector + ".txt), or sign with the"
                    + " private key of the published one");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("key OK: " + name + " publishes the public key of " + keyFile + " (" + describe(publishedKey)
                + (record.testing() ? ", t=y: verifiers may treat failures as unsigned" : "") + ")");
        out.flush();
        return ExitStatus.OK;
    }

    private List<String> published(String name) {
        try {
            return dns.lookup().lookup(selector, domain);
        } catch (KeyLookupException e) {
            if (e.isTemporary()) {
                throw new CommandFailure(ExitStatus.TEMP_FAIL, "DNS did not answer for " + name + " ("
                        + e.getMessage() + "): check the name servers (--nameserver, /etc/resolv.conf) and try again");
            }
            throw new CommandFailure(ExitStatus.NO_HOST, "no key record at " + name + " (" + e.getMessage()
                    + "): publish the TXT record of " + keyFile + " (genkey wrote it in " + selector + ".txt)");
        }
    }

    /** The record verifiers use: the first that parses ({@code VerificationSession} does the same). */
    private KeyRecord firstKeyRecord(String name, List<String> texts) {
        String firstProblem = null;
        for (String text : texts) {
            try {
                return KeyRecord.parse(text);
            } catch (DkimFailureException e) {
                firstProblem = firstProblem == null ? e.getMessage() : firstProblem;
            }
        }
        throw new CommandFailure(ExitStatus.PROTOCOL, name + " is not a DKIM key record (" + firstProblem
                + "): publish the record of " + keyFile + " again, whole and unchanged");
    }

    private static String describe(PublicKey key) {
        return key instanceof RSAPublicKey rsa ? "rsa, " + rsa.getModulus().bitLength() + " bits" : "ed25519";
    }
}
