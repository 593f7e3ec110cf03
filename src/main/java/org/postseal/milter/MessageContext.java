package org.postseal.milter;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postseal.policy.Client;

/**
 * What the signing policy is told about one message: the client, whether it authenticated (and as whom), the
 * envelope sender, and the From header field's value.
 *
 * @param client the connected client
 * @param authType the SASL mechanism ({@code {auth_type}}), empty when the client did not authenticate
 * @param authenticatedAs the SASL login ({@code {auth_authen}}), or empty when the client did not authenticate
 * @param envelopeSender the MAIL FROM address without angle brackets, empty for the null sender
 * @param fromFields the values of the message's From header fields (unfolded), in order; empty before the end of the
 *     header and for a message without one
 * @param queueId the MTA's queue id ({@code {i}}) for log lines, or "NOQUEUE"
 * @param macros every macro the MTA sent for this connection and message, names without braces
 */
public record MessageContext(ClientInfo client, Optional<String> authType, Optional<String> authenticatedAs,
        String envelopeSender, List<String> fromFields, String queueId, Map<String, String> macros) {
    public MessageContext {
        fromFields = List.copyOf(fromFields);
        macros = Map.copyOf(macros);
    }

    /** The first From field's value (unfolded), empty if there is none. */
    public Optional<String> from() {
        return fromFields.stream().findFirst();
    }

    /** The client as the signing policy sees it. */
    public Client policyClient() {
        return new Client(client.address(), client.hostName(), authType, authenticatedAs, macros);
    }
}
