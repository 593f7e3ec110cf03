package org.postseal.smarthost;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The text form of a {@link SpooledMessage} in an {@code .env} file: one {@code name: value} line per field, repeated
 * for lists, readable by an administrator with {@code cat}. Values never hold a line break (replaced by a space).
 */
final class SpoolRecordFormat {
    private SpoolRecordFormat() {
    }

    static String format(SpooledMessage m) {
        StringBuilder out = new StringBuilder(256);
        line(out, "id", m.id());
        line(out, "sender", m.sender());
        line(out, "created", m.created().toString());
        line(out, "attempts", Integer.toString(m.attempts()));
        line(out, "next-attempt", m.nextAttempt().toString());
        m.lastReply().ifPresent(r -> line(out, "last-reply", r));
        m.pending().forEach(r -> line(out, "pending", r));
        m.outcomes().forEach(o -> line(out, "outcome", o));
        return out.toString();
    }

    static SpooledMessage parse(String text, SpooledMessage.State state, String where) {
        String id = null;
        String sender = null;
        Instant created = null;
        int attempts = 0;
        Instant next = null;
        Optional<String> lastReply = Optional.empty();
        List<String> pending = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        int number = 0;
        for (String line : text.split("\n", -1)) {
            number++;
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(": ");
            String name = colon < 0 ? line.replace(":", "") : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 2);
            try {
                switch (name) {
                    case "id" -> id = value;
                    case "sender" -> sender = value;
                    case "created" -> created = Instant.parse(value);
                    case "attempts" -> attempts = Integer.parseInt(value);
                    case "next-attempt" -> next = Instant.parse(value);
                    case "last-reply" -> lastReply = Optional.of(value);
                    case "pending" -> pending.add(value);
                    case "outcome" -> outcomes.add(value);
                    default -> {
                        // a field from a newer version: kept out, not fatal
                    }
                }
            } catch (DateTimeParseException | NumberFormatException e) {
                throw new IllegalArgumentException(where + ":" + number + ": bad " + name + ": " + value);
            }
        }
        if (id == null || sender == null || created == null || next == null) {
            throw new IllegalArgumentException(where + ": incomplete record (id, sender, created, next-attempt)");
        }
        return new SpooledMessage(id, state, sender, pending, created, attempts, next, lastReply, outcomes);
    }

    private static void line(StringBuilder out, String name, String value) {
        out.append(name).append(": ").append(value.replace('\r', ' ').replace('\n', ' ')).append('\n');
    }
}
