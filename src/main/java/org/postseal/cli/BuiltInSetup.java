package org.postseal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.postseal.config.MilterSettings;
import org.postseal.config.SocketSpec;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;
import org.postseal.keys.ZoneFileTxt;
import org.postseal.policy.HostList;
import org.postseal.policy.NameSet;
import org.postseal.policy.SigningPolicy;

/**
 * The configuration {@code postseal milter} runs with when given none: it listens on {@code inet:8891@127.0.0.1}
 * (where OpenDKIM listens), signs mail from 127.0.0.1 and ::1 (or authenticated clients) whose From domain is the
 * demonstration domain, with a 2048-bit key made once in the data directory, and says how to publish it and how to
 * move to real keys.
 */
final class BuiltInSetup {
    static final String DOMAIN = "example.com";
    static final String SELECTOR = "postseal";
    static final String SOCKET = "inet:8891@127.0.0.1";

    private BuiltInSetup() {
    }

    static MilterSettings settings(Path dataDirectory, PrintWriter err) throws IOException {
        Path key = dataDirectory.resolve(SELECTOR + ".private");
        Path record = dataDirectory.resolve(SELECTOR + ".txt");
        if (!Files.exists(key)) {
            Files.createDirectories(dataDirectory);
            SigningKey generated = DkimKeyGenerator.rsa(DkimKeyGenerator.DEFAULT_RSA_BITS);
            Files.createFile(key, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(key, PrivateKeyWriter.pem(generated), StandardCharsets.US_ASCII,
                    StandardOpenOption.TRUNCATE_EXISTING);
            Files.writeString(record, ZoneFileTxt.format(SELECTOR, DOMAIN, KeyRecordText.of(generated)),
                    StandardCharsets.US_ASCII);
            err.println("postseal milter: made a demonstration key " + key);
        }
        err.println("postseal milter: no configuration given; built-in demonstration setup:");
        err.println("  socket " + SOCKET + " (unless --listen says otherwise), signing mail From: *@" + DOMAIN
                + " sent by 127.0.0.1, ::1 or authenticated clients,");
        err.println("  with selector " + SELECTOR + " and key " + key + ". The record to publish in the zone of "
                + DOMAIN + ":");
        if (Files.exists(record)) {
            Files.readString(record).lines().forEach(line -> err.println("    " + line));
        }
        err.println("  To sign for your own domain: postseal genkey --domain YOURDOMAIN --selector mail, then");
        err.println("  postseal milter --opendkim-conf /etc/opendkim.conf (an existing OpenDKIM setup) or");
        err.println("  postseal milter --config /etc/postseal/postseal.conf (see docs/CONFIGURATION.md).");
        err.flush();
        SigningPolicy policy = SigningPolicy.builder()
                .internalHosts(HostList.DEFAULT_INTERNAL)
                .domainKey(NameSet.of(List.of(DOMAIN)), SELECTOR, key.toString())
                .build();
        return MilterSettings.builder(SocketSpec.parse(SOCKET), policy)
                .canonicalization(CanonicalizationPair.RELAXED_SIMPLE)
                .source("built-in demonstration setup")
                .build();
    }
}
