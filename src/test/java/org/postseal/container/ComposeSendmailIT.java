package org.postseal.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
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

/**
 * Seed 000's path in containers, {@code docker/compose-sendmail.yaml} run by Debian's podman-compose: PHP's
 * {@code mail()} in the PHP image runs {@code postseal-sendmail -t -i} (its php.ini's {@code sendmail_path}), which
 * hands the message over the socket volume to the postseal smarthost; the smarthost signs it and relays it with the
 * seed's msmtp file to the sink. dkimpy verifies what arrives. With the smarthost stopped, {@code mail()} returns
 * false, where the seed's socat chain returned true and lost the message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComposeSendmailIT {
    private static final Duration DELIVERY = Duration.ofSeconds(60);

    private ExampleEtc etc;
    private ComposeProject compose;
    private MailSink sink;

    @BeforeAll
    void up() throws InterruptedException {
        Podman.require();
        Peers.requirePeer("dkimpy");
        long started = System.nanoTime();
        Podman.build(ContainerImage.POSTSEAL, ContainerImage.PHP, ContainerImage.SINK);
        etc = ExampleEtc.create();
        Map<String, String> variables = Map.of("POSTSEAL_ETC", etc.directory().toString());
        compose = ComposeProject.up(Podman.repository().resolve("docker/compose-sendmail.yaml"), variables,
                "smarthost", "php", "sink");
        compose.awaitLog("smarthost", Pattern.compile("postseal smarthost ready"), 1, Duration.ofSeconds(60));
        sink = compose.sink("sink");
        System.out.printf("compose-sendmail.yaml built and up in %.1f s%n", (System.nanoTime() - started) / 1e9);
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
    void phpMailGoesThroughTheSmarthostAndArrivesSigned() throws InterruptedException {
        String subject = "php-" + UUID.randomUUID();
        ProcessRun.Result php = phpMail(subject);
        assertEquals("bool(true)", php.out().strip(), php::describe);

        byte[] delivered = sink.awaitMessage(subject, DELIVERY);
        List<String> signatures = DeliveredMail.signatures(delivered);
        assertEquals(1, signatures.size(), () -> text(delivered));
        assertEquals("example.com", DeliveredMail.tag(signatures.get(0), "d"));
        assertEquals("mail", DeliveredMail.tag(signatures.get(0), "s"));
        Peers.PeerResult dkimpy = Peers.dkimpyVerify(delivered, etc.keyRecords());
        assertTrue(dkimpy.allPassed(), () -> dkimpy.output() + "\n" + text(delivered));
        String header = text(delivered).split("\r\n\r\n", 2)[0];
        // PHP's mail() writes neither; the smarthost adds them, as msmtp did, before signing
        assertTrue(header.contains("\r\nDate: ") && header.contains("\r\nMessage-ID: "), header);
        assertTrue(compose.logs("smarthost").contains("relayed to [dst@example.org]"), () -> compose.logs("smarthost"));
    }

    @Test
    @Order(2)
    void theSmarthostPassesTheImagesHealthCheck() {
        ProcessRun.Result check = Podman.podman(Duration.ofSeconds(60), "healthcheck", "run",
                compose.container("smarthost"));
        assertEquals(0, check.exitCode(), check::describe);
    }

    @Test
    @Order(3)
    void withTheSmarthostStoppedPhpMailReturnsFalse() {
        compose.stop("smarthost");
        ProcessRun.Result php = phpMail("php-" + UUID.randomUUID());
        assertEquals("bool(false)", php.out().strip(), php::describe);
        assertTrue(php.stderr().contains("cannot reach the smarthost at /run/postseal/smarthost.sock"), php::describe);
    }

    private ProcessRun.Result phpMail(String subject) {
        return compose.exec("php", new byte[0], "php", "-r",
                "var_dump(mail('dst@example.org', '" + subject + "', 'message', 'From: \"SRC\" <src@example.com>'));");
    }

    private static String text(byte[] message) {
        return new String(message, StandardCharsets.UTF_8);
    }
}
