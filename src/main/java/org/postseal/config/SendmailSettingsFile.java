package org.postseal.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link SendmailSettings#load}'s HOCON side, in a class of its own so that the sendmail client, which reads no
 * file unless given {@code -C}, never loads the HOCON library (a class is loaded with every type its methods catch).
 */
final class SendmailSettingsFile {
    private SendmailSettingsFile() {
    }

    static SendmailSettings load(Optional<Path> applicationFile, Path base) {
        Config reference = ConfigFactory.parseResources(SendmailSettings.class.getClassLoader(), "reference.conf");
        try {
            Config app = applicationFile.isPresent()
                    ? HoconSettings.parseFile(base.resolve(applicationFile.get()), new Warnings())
                    : ConfigFactory.empty();
            // POSTSEAL_SOCKET is applied by the command, over the file: not resolved here
            Config c = app.withFallback(reference).resolve(ConfigResolveOptions.noSystem().setAllowUnresolved(true))
                    .getConfig("postseal.sendmail");
            Duration timeout = c.getDuration("timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new ConfigException(c.getValue("timeout").origin().description()
                        + ": postseal.sendmail.timeout must be more than 0");
            }
            return new SendmailSettings(base.resolve(c.getString("socket")).normalize(), timeout);
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(e.getMessage(), e);
        }
    }
}
