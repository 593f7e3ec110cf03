package org.postseal.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dkim.KeyRecordLookup;
import org.postseal.dkim.SignatureAlgorithm;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.DkimKeyGenerator;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyWriter;

/**
 * One RSA-2048 and one Ed25519 key, made by postseal's own generator, written as PEM files for the peers, and the
 * key records for every selector the tests use (one selector per algorithm and canonicalization).
 */
final class InteropKeys {
    static final String DOMAIN = "example.com";
    static final List<String> CANONS = List.of("simple/simple", "simple/relaxed", "relaxed/simple",
            "relaxed/relaxed");

    final SigningKey rsa = DkimKeyGenerator.rsa(2048);
    final SigningKey ed25519 = DkimKeyGenerator.ed25519();
    final Path rsaFile;
    final Path ed25519File;
    final Map<String, String> records = new LinkedHashMap<>();

    InteropKeys(Path directory) throws Exception {
        rsaFile = Files.writeString(directory.resolve("rsa.private"), PrivateKeyWriter.pem(rsa));
        ed25519File = Files.writeString(directory.resolve("ed25519.private"), PrivateKeyWriter.pem(ed25519));
        for (String canon : CANONS) {
            records.put(Peers.keyName(selector(SignatureAlgorithm.RSA_SHA256, canon), DOMAIN),
                    KeyRecordText.of(rsa).value());
            records.put(Peers.keyName(selector(SignatureAlgorithm.ED25519_SHA256, canon), DOMAIN),
                    KeyRecordText.of(ed25519).value());
        }
    }

    SigningKey key(SignatureAlgorithm algorithm) {
        return algorithm == SignatureAlgorithm.RSA_SHA256 ? rsa : ed25519;
    }

    Path file(SignatureAlgorithm algorithm) {
        return algorithm == SignatureAlgorithm.RSA_SHA256 ? rsaFile : ed25519File;
    }

    /** For example {@code rsa-relaxed-simple}. */
    static String selector(SignatureAlgorithm algorithm, String canon) {
        return (algorithm == SignatureAlgorithm.RSA_SHA256 ? "rsa-" : "ed-") + canon.replace('/', '-');
    }

    /** postseal's key lookup over the same records the peers get. */
    KeyRecordLookup lookup() {
        return (selector, domain) -> {
            String record = records.get(Peers.keyName(selector, domain));
            if (record == null) {
                throw KeyLookupException.notFound("no record for " + Peers.keyName(selector, domain));
            }
            return List.of(record);
        };
    }
}
