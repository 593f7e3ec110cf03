package org.postseal.keys;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postseal.dkim.DkimFailureException;
import org.postseal.dkim.KeyRecord;
import org.postseal.dkim.PublicKeyCodec;
import org.postseal.dkim.SigningKey;
import org.postseal.files.BoundedFile;

/**
 * The zone-file record {@code opendkim-genkey} and {@code postseal genkey} write beside a private key
 * ({@code mail.txt} next to {@code mail.private}), compared with that key: the record an administrator copies into
 * DNS must carry the key's public half, at the name the key signs with. A record made for another key (a key made
 * again, files copied from another host) makes every signature fail at the receiver while the milter signs happily.
 *
 * @param file the record file
 * @param verdict how it compares
 * @param detail what was found, in words ending with what to do when something is wrong
 */
public record RecordBesideKey(Path file, Verdict verdict, String detail) {
    /** How the record file compares with the key. */
    public enum Verdict {
        /** The record is the key's public half, at the name it signs with (when that name is known). */
        MATCHES,
        /** The record holds another public key. */
        OTHER_KEY,
        /** The record holds the key's public half, but for another selector or domain. */
        OTHER_NAME,
        /** The file cannot be read as a zone file with a DKIM key record. */
        UNREADABLE
    }

    public RecordBesideKey {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(detail, "detail");
    }

    /**
     * Compares the record file beside {@code keyFile} with {@code key}.
     *
     * @param keyFile the private key file, named {@code NAME.private}
     * @param selector the selector the key signs with
     * @param domain the domain it signs for, or empty when it is the From domain (any will do)
     * @return empty when the key file is not named {@code NAME.private} or there is no {@code NAME.txt} beside it
     */
    public static Optional<RecordBesideKey> check(Path keyFile, String selector, Optional<String> domain,
            SigningKey key) {
        String name = keyFile.getFileName() == null ? "" : keyFile.getFileName().toString();
        if (!name.endsWith(".private")) {
            return Optional.empty();
        }
        Path file = keyFile.resolveSibling(name.substring(0, name.length() - ".private".length()) + ".txt");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        List<ZoneFileTxt.Entry> entries;
        try {
            entries = ZoneFileTxt.parse(new String(BoundedFile.read(file, "zone file", BoundedFile.CONFIG_LIMIT)
                    .bytes(), StandardCharsets.UTF_8));
        } catch (BoundedFile.Refused | ZoneFileException e) {
            return Optional.of(new RecordBesideKey(file, Verdict.UNREADABLE, "cannot be read as a zone file: "
                    + e.getMessage()));
        }
        String expected = KeyRecordText.of(key).value();
        for (ZoneFileTxt.Entry entry : entries) {
            KeyRecord record;
            try {
                record = KeyRecord.parse(entry.value());
            } catch (DkimFailureException e) {
                continue;
            }
            if (!record.publicKeyData().equals(PublicKeyCodec.encode(key.publicKey()))) {
                return Optional.of(new RecordBesideKey(file, Verdict.OTHER_KEY, "holds another public key than"
                        + " that of " + keyFile + " (line " + entry.line() + "): receivers would fail every signature"
                        + " if it were published; publish \"" + expected + "\" instead"));
            }
            if (domain.isPresent() && !entry.answers(selector, domain.get())) {
                return Optional.of(new RecordBesideKey(file, Verdict.OTHER_NAME, "holds the key's public half under"
                        + " '" + entry.owner() + "', but the key signs with s=" + selector + " d=" + domain.get()
                        + ": publish it at " + selector + "._domainkey." + domain.get()));
            }
            return Optional.of(new RecordBesideKey(file, Verdict.MATCHES, "holds the key's public half, the record"
                    + " to publish at " + selector + "._domainkey." + domain.orElse("(the From domain)")));
        }
        return Optional.of(new RecordBesideKey(file, Verdict.UNREADABLE, "holds no DKIM key record"));
    }

    /** Whether something is wrong with the record file. */
    public boolean isProblem() {
        return verdict != Verdict.MATCHES;
    }
}
