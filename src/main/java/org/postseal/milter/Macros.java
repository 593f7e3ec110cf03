package org.postseal.milter;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The macros the MTA has sent, by the command they came with. Message-stage macros are forgotten at MAIL, ABORT and
 * the end of each message, connection-stage ones when the connection is reset; so nothing of one message (its
 * queue id, its {@code {auth_authen}}) leaks into the next.
 */
final class Macros {
    private final Map<Byte, Map<String, String>> byStage = new HashMap<>();

    void put(byte stage, MilterPayload payload) {
        Map<String, String> values = new HashMap<>();
        while (payload.hasRemaining()) {
            String name = payload.text();
            String value = payload.hasRemaining() ? payload.text() : "";
            values.put(strip(name), value);
        }
        byStage.put(stage, values);
    }

    /** The most specific value of a macro, from the latest stage that sent it; braces optional in the name. */
    Optional<String> get(String name) {
        String key = strip(name);
        for (byte stage : new byte[] {MilterCommand.END_OF_BODY, MilterCommand.END_OF_HEADERS, MilterCommand.HEADER,
                MilterCommand.DATA, MilterCommand.RECIPIENT, MilterCommand.MAIL, MilterCommand.HELO,
                MilterCommand.CONNECT}) {
            Map<String, String> values = byStage.get(stage);
            if (values != null && values.containsKey(key)) {
                return Optional.of(values.get(key));
            }
        }
        return Optional.empty();
    }

    /** Every macro known now, the later stage winning when two sent the same name. */
    Map<String, String> snapshot() {
        Map<String, String> all = new HashMap<>();
        for (byte stage : new byte[] {MilterCommand.CONNECT, MilterCommand.HELO, MilterCommand.MAIL,
                MilterCommand.RECIPIENT, MilterCommand.DATA, MilterCommand.HEADER, MilterCommand.END_OF_HEADERS,
                MilterCommand.END_OF_BODY}) {
            Map<String, String> values = byStage.get(stage);
            if (values != null) {
                all.putAll(values);
            }
        }
        return all;
    }

    /** Forgets the macros of the message stages (MAIL and after). */
    void clearMessage() {
        for (byte stage : new byte[] {MilterCommand.MAIL, MilterCommand.RECIPIENT, MilterCommand.DATA,
                MilterCommand.HEADER, MilterCommand.END_OF_HEADERS, MilterCommand.BODY, MilterCommand.END_OF_BODY}) {
            byStage.remove(stage);
        }
    }

    /** Forgets everything. */
    void clearAll() {
        byStage.clear();
    }

    private static String strip(String name) {
        return name.length() > 2 && name.startsWith("{") && name.endsWith("}")
                ? name.substring(1, name.length() - 1) : name;
    }
}
