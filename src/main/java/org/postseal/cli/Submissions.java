package org.postseal.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Optional;
import org.postseal.submission.SubmissionPreparer;

/** Builds the message preparer with this machine's clock, host name and user, as msmtp would use them. */
final class Submissions {
    private Submissions() {
    }

    static SubmissionPreparer preparer(Optional<String> hostname) {
        return new SubmissionPreparer(Clock.systemDefaultZone(), hostname.orElseGet(Submissions::localHostName),
                System.getProperty("user.name", "nobody"));
    }

    private static String localHostName() {
        try {
            String name = InetAddress.getLocalHost().getCanonicalHostName();
            return name.isBlank() ? "localhost" : name;
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
