package org.postseal.signing;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;
import org.postseal.dkim.DkimSigner;
import org.postseal.message.HeaderField;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningSession;
import org.postseal.dkim.UnsignableMessageException;
import org.postseal.message.BodySpool;
import org.postseal.message.CrlfNormalizer;
import org.postseal.message.HeaderBlock;
import org.postseal.message.MessageFormatException;
import org.postseal.message.MessageReader;

/**
 * Signs a whole message from a stream to a stream, as a pipe does: the header is read (bounded), the body is hashed
 * in its CRLF form as it streams in and spooled, then the DKIM-Signature fields are written with the message's own
 * line ending, followed by the message exactly as it came. Nothing is written unless signing succeeded.
 */
public final class MessageSigning {
    private MessageSigning() {
    }

    /**
     * Signs {@code in} to {@code out}.
     *
     * @throws MessageFormatException if the input is not a message
     * @throws UnsignableMessageException if the message cannot be signed (no From)
     * @throws GeneralSecurityException if the key is refused by the crypto provider
     * @throws IOException if reading, spooling or writing fails
     */
    public static void sign(InputStream in, OutputStream out, DkimSigner signer, List<SignatureSpec> specs)
            throws IOException, MessageFormatException, UnsignableMessageException, GeneralSecurityException {
        InputStream input = in instanceof BufferedInputStream ? in : new BufferedInputStream(in, 65536);
        HeaderBlock header = MessageReader.readHeader(input, MessageReader.DEFAULT_MAX_HEADER_BYTES);
        SigningSession session = signer.newSession(specs);
        header.fields().forEach(session::header);
        try (BodySpool spool = new BodySpool()) {
            OutputStream normalizer = CrlfNormalizer.into(session::body);
            byte[] buffer = new byte[65536];
            int n;
            while ((n = input.read(buffer)) > 0) {
                normalizer.write(buffer, 0, n);
                spool.write(buffer, 0, n);
            }
            List<HeaderField> signatures = session.finish();
            OutputStream output = new BufferedOutputStream(out, 65536);
            for (HeaderField signature : signatures) {
                String text = header.lineEnding().fromCrlf(signature.toString()) + header.lineEnding().text();
                output.write(text.getBytes(StandardCharsets.ISO_8859_1));
            }
            output.write(header.raw());
            spool.copyTo(output);
            output.flush();
        }
    }
}
