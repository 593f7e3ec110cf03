package org.postseal.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.postseal.config.ConfigException;
import org.postseal.config.SmarthostSettings;
import org.postseal.config.Warnings;
import org.postseal.logging.MessageLine;
import org.postseal.smarthost.OutgoingMessages;
import org.postseal.smarthost.SubmissionAnswer;
import org.postseal.smtp.DeliveryReport;
import org.postseal.smtp.MessageSource;
import org.postseal.smtp.SmtpClient;
import org.postseal.smtp.SmtpEndpoint;
import org.postseal.sendmail.SendmailOptions;
import org.postseal.transport.ExitStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code postseal sendmail --direct}: prepare, sign and relay in this process, with the smarthost's settings, and
 * nothing kept: a message the server defers is a temporary failure the caller sees (exit 75).
 */
final class DirectSubmission {
    private DirectSubmission() {
    }

    static SubmissionAnswer submit(Optional<Path> config, SendmailOptions options, byte[] raw) {
        SmarthostSettings settings;
        SmtpEndpoint endpoint;
        try {
            settings = SmarthostSettings.load(config, Map.of(), Path.of(""));
            endpoint = SmarthostCommand.endpoint(settings, new Warnings());
        } catch (ConfigException e) {
            throw new CommandFailure(ExitStatus.CONFIG, e.getMessage());
        }
        OutgoingMessages.Outcome outcome = SmarthostCommand.outgoing(settings, SmarthostCommand.signer(settings))
                .make(options, raw);
        if (outcome instanceof OutgoingMessages.Refused refused) {
            return refused.answer();
        }
        OutgoingMessages.Ready ready = (OutgoingMessages.Ready) outcome;
        // nothing is queued, so the line has no queue id; INFO shows with -v, a warning always
        Logger log = LoggerFactory.getLogger(DirectSubmission.class);
        MessageLine line = ready.signing().line(MessageLine.NOQUEUE);
        if (ready.signing().warning()) {
            log.warn("{}", line);
        } else {
            log.info("{}", line);
        }
        DeliveryReport report;
        try (SmtpClient client = new SmtpClient()) {
            report = client.deliver(endpoint, ready.envelope(), MessageSource.of(ready.signing().message()));
        }
        return SubmissionAnswer.of("direct", report, false);
    }
}
