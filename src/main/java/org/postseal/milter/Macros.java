package org.postseal.milter;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The macros the MTA has sent, by the command they came with. The MTA sends each stage's macros just before that
 * stage's command, so:
 * <ul>
 *   <li>at CONNECT, everything but the CONNECT stage's macros sent since the previous CONNECT is forgotten (a new SMTP
 *       session: the last one's {@code {daemon_name}} does not carry over to one that sent none);</li>
 *   <li>at MAIL, the stages after MAIL are forgotten (MAIL's own have just arrived);</li>
 *   <li>at ABORT and at the end of each message, every message stage (MAIL and after) is forgotten;</li>
 *   <li>at QUIT_NC, everything is.</li>
 * </ul>
 * So nothing of one message (its queue id, its {@code {auth_authen}}) is seen by the next, even from an MTA that sends
 * no ABORT between messages. Authentication is read only from the stage where MTAs send it, MAIL (Postfix's
 * {@code milter_mail_macros}, sendmail's {@code Milter.macros.envfrom}): SMTP AUTH comes after EHLO, so a value
 * sent with CONNECT or HELO cannot be a real one, and one sent after MAIL would change the client's standing
 * mid-message.
 */
final class Macros {
    private static final byte[] LATEST_FIRST = {MilterCommand.END_OF_BODY, MilterCommand.BODY,
            MilterCommand.END_OF_HEADERS, MilterCommand.HEADER, MilterCommand.DATA, MilterCommand.RECIPIENT,
            MilterCommand.MAIL, MilterCommand.HELO, MilterCommand.CONNECT};
    private static final byte[] AUTHENTICATION_STAGES = {MilterCommand.MAIL};
    private static final byte[] AFTER_MAIL = {MilterCommand.RECIPIENT, MilterCommand.DATA, MilterCommand.HEADER,
            MilterCommand.END_OF_HEADERS, MilterCommand.BODY, MilterCommand.END_OF_BODY};

    private final Map<Byte, Map<String, String>> byStage = new HashMap<>();
    /** Whether CONNECT-stage macros arrived since the last CONNECT. */
    private boolean connectMacrosArrived;

    void put(byte stage, MilterPayload payload) {
        Map<String, String> values = new HashMap<>();
        while (payload.hasRemaining()) {
            String name = payload.text();
            String value = payload.hasRemaining() ? payload.text() : "";
            values.put(strip(name), value);
        }
        byStage.put(stage, values);
        if (stage == MilterCommand.CONNECT) {
            connectMacrosArrived = true;
        }
    }

    /** The most specific value of a macro, from the latest stage that sent it; braces optional in the name. */
    Optional<String> get(String name) {
        return lookup(name, LATEST_FIRST);
    }

    /** An authentication macro ({@code {auth_type}}, {@code {auth_authen}}), from the MAIL stage only. */
    Optional<String> authentication(String name) {
        return lookup(name, AUTHENTICATION_STAGES);
    }

    private Optional<String> lookup(String name, byte[] stages) {
        String key = strip(name);
        for (byte stage : stages) {
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
        for (int i = LATEST_FIRST.length - 1; i >= 0; i--) {
            Map<String, String> values = byStage.get(LATEST_FIRST[i]);
            if (values != null) {
                all.putAll(values);
            }
        }
        return all;
    }

    /** A new SMTP session: keeps only the macros sent for its CONNECT, if any came since the previous one. */
    void beginConnection() {
        byStage.keySet().retainAll(connectMacrosArrived ? java.util.Set.of(MilterCommand.CONNECT) : java.util.Set.of());
        connectMacrosArrived = false;
    }

    /** A new message: forgets the stages after MAIL, keeping the MAIL macros just sent. */
    void beginMessage() {
        for (byte stage : AFTER_MAIL) {
            byStage.remove(stage);
        }
    }

    /** The message ended or was aborted: forgets the macros of every message stage (MAIL and after). */
    void endMessage() {
        byStage.remove(MilterCommand.MAIL);
        beginMessage();
    }

    /** Forgets everything. */
    void clearAll() {
        byStage.clear();
        connectMacrosArrived = false;
    }

    private static String strip(String name) {
        return name.length() > 2 && name.startsWith("{") && name.endsWith("}")
                ? name.substring(1, name.length() - 1) : name;
    }
}
