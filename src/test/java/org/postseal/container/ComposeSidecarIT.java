package org.postseal.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.postseal.interop.Peers;
import org.postseal.postfix.PostfixInstance;

/**
 * Seed 003's set-up in containers, {@code docker/compose.yaml} run by Debian's podman-compose: the Postfix image
 * with postseal as its sidecar milter over a unix socket on a shared volume, relaying to the sink image. Mail sent
 * with swaks to Postfix's port published on 127.0.0.1, and with sendmail(1) inside the Postfix container, arrives at
 * the sink signed with the key {@code postseal genkey} made, and dkimpy verifies it with the record genkey printed.
 * A From domain without a SigningTable entry goes unsigned; with the postseal container stopped, Postfix relays
 * unsigned ({@code milter_default_action = accept}) and signs again once it is back. The image's HEALTHCHECK (a GET
 * of {@code /health} on the milter's {@code --metrics-listen}) passes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeSidecarIT {
    private static final Path SWAKS = Path.of("/usr/bin/swaks");
    private static final Duration DELIVERY = Duration.ofSeconds(60);
    private static final Pattern MILTER_READY = Pattern.compile("postseal milter ready");

    private int smtpPort;
    private ExampleEtc etc;
    private ComposeProject compose;
    private MailSink sink;

    @BeforeAll
    void up() throws InterruptedException {
        Podman.require();
        Peers.requireProgram(SWAKS, "swaks");
        Peers.requirePeer("dkimpy");
        long started = System.nanoTime();
        Podman.build(ContainerImage.POSTSEAL, ContainerImage.POSTFIX, ContainerImage.SINK);
        etc = ExampleEtc.create();
        smtpPort = PostfixInstance.freePort();
        Map<String, String> variables = Map.of(
                "POSTSEAL_ETC", etc.directory().toString(),
                "POSTSEAL_SMTP_PORT", Integer.toString(smtpPort));
        compose = ComposeProject.up(Podman.repository().resolve("docker/compose.yaml"), variables,
                "postseal", "postfix", "sink");
        compose.awaitLog("postseal", MILTER_READY, 1, Duration.ofSeconds(60));
        compose.awaitLog("postfix", Pattern.compile("daemon started"), 1, Duration.ofSeconds(60));
        sink = compose.sink("sink");
        System.out.printf("compose.yaml built and up in %.1f s%n", (System.nanoTime() - started) / 1e9);
    }

    @AfterAll
    void down() {
        if (compose != null) {
            compose.close();
        }
        if (etc != null) {
            etc.close();
        }
    }

    @Test
    @Order(1)
    void smtpMailFromTheSigningDomainArrivesSignedAndDkimpyVerifiesIt() throws InterruptedException {
        String subject = token();
        swaks("me@example.com", subject);

        byte[] delivered = sink.awaitMessage(subject, DELIVERY);
        List<String> signatures = DeliveredMail.signatures(delivered);
        assertEquals(1, signatures.size(), () -> "one DKIM-Signature expected:\n" + text(delivered));
        assertEquals("example.com", DeliveredMail.tag(signatures.get(0), "d"));
        assertEquals("mail", DeliveredMail.tag(signatures.get(0), "s"));
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(delivered, etc.keyRecords());
        assertTrue(dkimpy.allPassed(), () -> dkimpy.output() + "\n" + text(delivered));
        assertTrue(compose.logs("postseal").lines().anyMatch(l -> l.contains(": signed from=")
                && l.contains(" d=example.com s=mail a=")),
                () -> compose.logs("postseal"));
    }

    @Test
    @Order(2)
    void mailSubmittedWithSendmailInsideThePostfixContainerIsSignedToo() throws InterruptedException {
        String subject = token();
        byte[] message = ("From: cron@example.com\nTo: you@example.org\nSubject: " + subject
                + "\n\nsubmitted with sendmail(1), signed through non_smtpd_milters\n").getBytes(StandardCharsets.US_ASCII);
        compose.exec("postfix", message, "sendmail", "-t", "-i").requireSuccess();

        byte[] delivered = sink.awaitMessage(subject, DELIVERY);
        assertEquals(1, DeliveredMail.signatures(delivered).size(), () -> text(delivered));
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(delivered, etc.keyRecords());
        assertTrue(dkimpy.allPassed(), () -> dkimpy.output() + "\n" + text(delivered));
    }

    @Test
    @Order(3)
    void mailFromADomainWithoutSigningTableEntryIsRelayedUnsigned() throws InterruptedException {
        String subject = token();
        swaks("someone@other.example", subject);

        byte[] delivered = sink.awaitMessage(subject, DELIVERY);
        assertEquals(List.of(), DeliveredMail.signatures(delivered), () -> text(delivered));
    }

    @Test
    @Order(4)
    void withPostsealStoppedPostfixRelaysUnsignedAndSignsAgainOnceItIsBack() throws InterruptedException {
        compose.stop("postseal");
        String unsigned = token();
        swaks("me@example.com", unsigned);
        byte[] delivered = sink.awaitMessage(unsigned, DELIVERY);
        assertEquals(List.of(), DeliveredMail.signatures(delivered),
                () -> "milter_default_action = accept relays unsigned:\n" + text(delivered));
        assertTrue(compose.logs("postfix").contains("connect to Milter service unix:/var/spool/postfix/postseal/"
                + "milter.sock"), () -> compose.logs("postfix"));

        compose.start("postseal");
        compose.awaitLog("postseal", MILTER_READY, 2, Duration.ofSeconds(60));
        String signed = token();
        swaks("me@example.com", signed);
        byte[] again = sink.awaitMessage(signed, DELIVERY);
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(again, etc.keyRecords());
        assertTrue(dkimpy.allPassed(), () -> dkimpy.output() + "\n" + text(again));
    }

    @Test
    @Order(5)
    void theImagesHealthCheckOnHealthPasses() {
        ProcessRun.Result check = Podman.podman(Duration.ofSeconds(60), "healthcheck", "run",
                compose.container("postseal"));
        assertEquals(0, check.exitCode(), check::describe);
    }

    private void swaks(String from, String subject) {
        ProcessRun.Result swaks = ProcessRun.run(List.of(SWAKS.toString(), "--server", "127.0.0.1:" + smtpPort,
                "--from", from, "--to", "you@example.org", "--h-Subject", subject, "--timeout", "60"),
                Map.of(), new byte[0], Duration.ofSeconds(90));
        swaks.requireSuccess();
    }

    private static String token() {
        return "sidecar-" + UUID.randomUUID();
    }

    private static String text(byte[] message) {
        return new String(message, StandardCharsets.UTF_8);
    }
}
