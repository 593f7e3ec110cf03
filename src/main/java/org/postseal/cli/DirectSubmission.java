package org.postseal.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.postseal.config.ConfigException;
import org.postseal.config.MsmtpAccount;
import org.postseal.config.MsmtpConfig;
import org.postseal.config.SmarthostSettings;
import org.postseal.config.Warnings;
import org.postseal.message.MessageFormatException;
import org.postseal.smarthost.MessageSealer;
import org.postseal.smarthost.SignedMessage;
import org.postseal.smarthost.SubmissionAnswer;
import org.postseal.smtp.DeliveryReport;
import org.postseal.smtp.MessageSource;
import org.postseal.smtp.RecipientResult;
import org.postseal.smtp.SmtpClient;
import org.postseal.smtp.SmtpEndpoint;
import org.postseal.submission.PreparedMessage;
import org.postseal.submission.SubmissionException;
import org.postseal.submission.SubmissionOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code postseal sendmail --direct}: prepare, sign and relay in this process, with the smarthost's settings, and
 * nothing kept: a message the server defers is a temporary failure the caller sees (exit 75).
 */
final class DirectSubmission {
    private static final Logger LOG = LoggerFactory.getLogger(DirectSubmission.class);

    private DirectSubmission() {
    }

    static SubmissionAnswer submit(Optional<Path> config, SubmissionOptions options, byte[] raw) {
        SmarthostSettings settings;
        SmtpEndpoint endpoint;
        try {
            settings = SmarthostSettings.load(config, Map.of(), Path.of(""));
            MsmtpConfig msmtp = MsmtpConfig.read(settings.msmtprc(), new Warnings());
            MsmtpAccount account = settings.account().map(name -> msmtp.account(name).orElseThrow(
                    () -> new ConfigException(settings.msmtprc() + ": no account " + name)))
                    .orElseGet(msmtp::defaultAccount);
            endpoint = account.toEndpoint();
        } catch (ConfigException e) {
            throw new CommandFailure(ExitCodes.CONFIG, e.getMessage());
        }
        MessageSealer sealer = SmarthostCommand.sealer(settings);
        PreparedMessage prepared;
        try {
            prepared = Submissions.preparer(settings.hostname()).prepare(raw,
                    settings.readEnvelopeFrom() ? options.withReadEnvelopeFrom() : options);
        } catch (SubmissionException e) {
            return SubmissionAnswer.badMessage(e.getMessage());
        }
        SignedMessage signed;
        try {
            signed = sealer.seal(prepared.message());
        } catch (MessageFormatException e) {
            return SubmissionAnswer.badMessage(e.getMessage());
        } catch (MessageSealer.SealingException e) {
            if (settings.tempfailUnsignable()) {
                return SubmissionAnswer.tempFail(e.getMessage());
            }
            LOG.warn("relaying unsigned (on-error = accept): {}", e.getMessage());
            signed = new SignedMessage(prepared.message(), List.of(), "not signed: " + e.getMessage());
        }
        DeliveryReport report;
        try (SmtpClient client = new SmtpClient()) {
            report = client.deliver(endpoint, prepared.envelope(), MessageSource.of(signed.bytes()));
        }
        List<RecipientResult> rejected = report.with(RecipientResult.Status.REJECTED);
        List<RecipientResult> deferred = report.with(RecipientResult.Status.DEFERRED);
        if (!rejected.isEmpty()) {
            return SubmissionAnswer.rejected("direct", rejected.get(0).recipient() + ": " + rejected.get(0).reply());
        }
        if (!deferred.isEmpty()) {
            return SubmissionAnswer.tempFail(deferred.get(0).recipient() + ": " + deferred.get(0).reply());
        }
        return SubmissionAnswer.relayed("direct", report.results().get(0).reply().toString());
    }
}
