package org.postseal.smarthost;

import org.postseal.smtp.DeliveryReport;
import org.postseal.smtp.Envelope;
import org.postseal.smtp.MessageSource;

/** Sends one message to the upstream server; says in the report what became of each recipient, never throws. */
@FunctionalInterface
public interface Relay {
    DeliveryReport deliver(Envelope envelope, MessageSource message);
}
