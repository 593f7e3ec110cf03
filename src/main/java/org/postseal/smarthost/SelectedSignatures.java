package org.postseal.smarthost;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.postseal.dkim.DkimSigner;
import org.postseal.message.HeaderField;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.UnsignableMessageException;
import org.postseal.events.NotSignedReason;
import org.postseal.message.HeaderBlock;
import org.postseal.message.MessageFormatException;
import org.postseal.message.MessageReader;
import org.postseal.signing.MessageSigning;
import org.postseal.policy.Client;
import org.postseal.policy.FromAddress;
import org.postseal.signing.SignatureChoice;
import org.postseal.signing.SignatureSelector;

/**
 * {@link MessageSigner#of}: the From field of the message in memory picks the signatures, the engine makes them.
 * Every client of the smarthost's socket is local (the socket's mode and group decide who may use it), so the rules
 * see each message as coming from 127.0.0.1, an internal host.
 */
final class SelectedSignatures implements MessageSigner {
    private static final Client LOCAL = Client.of(InetAddress.getLoopbackAddress(), "localhost");

    private final SignatureSelector selector;
    private final Clock clock;

    SelectedSignatures(SignatureSelector selector, Clock clock) {
        this.selector = Objects.requireNonNull(selector, "selector");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public SigningOutcome sign(byte[] message) throws MessageFormatException {
        List<String> fromFields = from(message);
        // the From domain for the log line: the first field's, as the rules see it (several From: not signed)
        Optional<String> domain = fromFields.stream().findFirst()
                .flatMap(v -> FromAddress.parse(v.replace("\r\n", "").strip())).map(FromAddress::domain);
        SignatureChoice choice = selector.choose(LOCAL, fromFields);
        if (choice instanceof SignatureChoice.Skip skip) {
            return new SigningOutcome.Unsigned(message, domain, skip.reason(), false, skip.kind());
        }
        if (choice instanceof SignatureChoice.Fail fail) {
            return new SigningOutcome.Failed(domain, fail.reason(), NotSignedReason.KEY_ERROR, List.of());
        }
        List<SignatureSpec> specs = ((SignatureChoice.Sign) choice).specs();
        List<String> domains = specs.stream().map(SignatureSpec::domain).distinct().toList();
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 1024 * specs.size());
        try {
            MessageSigning.sign(new ByteArrayInputStream(message), out, new DkimSigner(clock), specs);
        } catch (UnsignableMessageException e) {
            return new SigningOutcome.Failed(domain, e.getMessage(), NotSignedReason.UNSIGNABLE_MESSAGE, domains);
        } catch (GeneralSecurityException | IOException e) {
            return new SigningOutcome.Failed(domain, e.getMessage(), NotSignedReason.SIGNING_ERROR, domains);
        }
        return new SigningOutcome.Signed(out.toByteArray(), domain, specs.stream()
                .map(s -> new SigningOutcome.Signature(s.domain(), s.selector(), s.algorithm().tag())).toList(),
                domains);
    }

    private static List<String> from(byte[] message) throws MessageFormatException {
        HeaderBlock header;
        try {
            header = MessageReader.readHeader(new ByteArrayInputStream(message),
                    MessageReader.DEFAULT_MAX_HEADER_BYTES);
        } catch (IOException e) {
            throw new MessageFormatException("cannot read the header: " + e.getMessage());
        }
        return header.fields().stream().filter(f -> f.hasName("From")).map(HeaderField::value).toList();
    }

    @Override
    public String toString() {
        return selector.toString();
    }
}
