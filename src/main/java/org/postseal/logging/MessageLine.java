package org.postseal.logging;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one log line every door writes per message, in one shape so that an administrator can grep and cut it as they
 * do Postfix's lines:
 *
 * <pre>
 * 3F2A1C0D: signed from=example.org d=example.org s=mail a=rsa-sha256
 * 3F2A1C0D: not signed from=example.org: no SigningTable entry for joe@example.org
 * 3F2A1C0D: not signed: client mx.example.net [203.0.113.5] not internal and not authenticated
 * 3F2A1C0D: verified from=example.com d=example.com s=sel dkim=pass action=accept
 * </pre>
 *
 * <p>The queue id first (Postfix's, or the door's own; {@code NOQUEUE} when there is none), then what became of the
 * message, then {@code key=value} fields, and last, after a colon, the reason in words when there is one. A field
 * whose value is unknown is left out ({@code from=} when the From domain was never seen). Several signatures are
 * separated by a comma. Everything that came from outside is escaped ({@link LogText}), and spaces inside a value are
 * written {@code \x20}, so a value never runs into the next field.
 *
 * <p>Immutable: each method returns a new line.
 */
public final class MessageLine {
    /** The queue id of a message that has none (yet), as Postfix writes it. */
    public static final String NOQUEUE = "NOQUEUE";

    private final String queueId;
    private final String outcome;
    private final List<Field> fields;
    private final String reason;

    /** One field, or one signature's fields ({@code signature}: a comma separates it from the one before). */
    private record Field(String text, boolean signature) {
    }

    private MessageLine(String queueId, String outcome, List<Field> fields, String reason) {
        this.queueId = Objects.requireNonNull(queueId, "queueId");
        this.outcome = outcome;
        this.fields = fields;
        this.reason = reason;
    }

    /** A message that was signed; {@link #signature} adds each signature. */
    public static MessageLine signed(String queueId) {
        return new MessageLine(queueId, "signed", List.of(), null);
    }

    /** A message that was not signed; {@link #because} says why. */
    public static MessageLine notSigned(String queueId) {
        return new MessageLine(queueId, "not signed", List.of(), null);
    }

    /** A message whose signatures were checked; {@link #result} adds each one. */
    public static MessageLine verified(String queueId) {
        return new MessageLine(queueId, "verified", List.of(), null);
    }

    /** A message that was to be verified and could not be examined; {@link #because} says why. */
    public static MessageLine notVerified(String queueId) {
        return new MessageLine(queueId, "not verified", List.of(), null);
    }

    /** {@code from=DOMAIN}, the domain of the From header field; nothing when it is not known. */
    public MessageLine from(Optional<String> domain) {
        return domain.map(d -> with("from", d)).orElse(this);
    }

    /** One signature made: {@code d=... s=... a=...}. */
    public MessageLine signature(String domain, String selector, String algorithm) {
        return add(new Field("d=" + token(domain) + " s=" + token(selector) + " a=" + token(algorithm), true));
    }

    /**
     * One signature checked: {@code d=... s=... dkim=RESULT}, and the detail in parentheses, as in an
     * Authentication-Results field.
     *
     * @param result the RFC 8601 result word (pass, fail, neutral, temperror, permerror)
     * @param detail why, or empty
     */
    public MessageLine result(String domain, String selector, String result, String detail) {
        String text = "d=" + token(domain) + " s=" + token(selector) + " dkim=" + token(result);
        return add(new Field(detail.isEmpty() ? text : text + " (" + LogText.escape(detail) + ")", true));
    }

    /** {@code key=value}; the key is postseal's, the value is escaped. */
    public MessageLine with(String key, String value) {
        return add(new Field(Objects.requireNonNull(key, "key") + "=" + token(value), false));
    }

    /** The reason, in words, at the end of the line after a colon. */
    public MessageLine because(String reason) {
        return new MessageLine(queueId, outcome, fields, Objects.requireNonNull(reason, "reason"));
    }

    private MessageLine add(Field field) {
        List<Field> more = new ArrayList<>(fields.size() + 1);
        more.addAll(fields);
        more.add(field);
        return new MessageLine(queueId, outcome, List.copyOf(more), reason);
    }

    private static String token(String value) {
        return LogText.escape(value).replace(" ", "\\x20");
    }

    @Override
    public String toString() {
        StringBuilder line = new StringBuilder(96).append(LogText.escape(queueId)).append(": ").append(outcome);
        for (int i = 0; i < fields.size(); i++) {
            Field field = fields.get(i);
            line.append(field.signature() && i > 0 && fields.get(i - 1).signature() ? ", " : " ")
                    .append(field.text());
        }
        if (reason != null) {
            line.append(": ").append(LogText.escape(reason));
        }
        return line.toString();
    }
}
