package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nightcode.milter.AbstractMilterHandler;
import org.nightcode.milter.Actions;
import org.nightcode.milter.MilterContext;
import org.nightcode.milter.MilterException;
import org.nightcode.milter.ProtocolSteps;
import org.nightcode.milter.net.MilterGatewayManager;
import org.nightcode.milter.net.ServerFactory;

/**
 * The evidence behind docs/MILTER.md: the same scenarios that {@link MilterServerTest} passes with postseal's
 * protocol layer, run against jmilter 0.6.1's own stack, show its defects. If a later jmilter fixes them, these
 * tests fail, and the choice to own the protocol layer should be looked at again.
 */
class JmilterEvidenceTest {
    private final CompletableFuture<String> header = new CompletableFuture<>();
    private final CompletableFuture<List<String>> sender = new CompletableFuture<>();
    private MilterGatewayManager<InetSocketAddress> gateway;
    private int port;

    @BeforeEach
    void start() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        AbstractMilterHandler handler = new AbstractMilterHandler(Actions.DEF_ACTIONS,
                ProtocolSteps.DEF_PROTOCOL_STEPS) {
            @Override
            public void header(MilterContext context, String name, String value) throws MilterException {
                header.complete(value);
                super.header(context, name, value);
            }

            @Override
            public void quit(MilterContext context) {
                // nothing to release
            }

            @Override
            public void envfrom(MilterContext context, List<String> from) throws MilterException {
                sender.complete(List.copyOf(from));
                super.envfrom(context, from);
            }
        };
        gateway = new MilterGatewayManager<>(ServerFactory.tcpIpFactory(new InetSocketAddress("127.0.0.1", port)),
                handler);
        gateway.bind().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void jmilterDecodesHeaderValuesAsUtf8AndLosesOtherBytes() throws Exception {
        byte[] latin1 = " caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        try (MilterTestClient client = new MilterTestClient(MilterTestClient.loopback(port))) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('L', MilterTestClient.header("Subject".getBytes(StandardCharsets.US_ASCII), latin1));
            String received = header.get(10, TimeUnit.SECONDS);
            // the 0xE9 byte became U+FFFD: a signature over the original bytes can no longer be made or checked
            assertNotEquals(new String(latin1, StandardCharsets.ISO_8859_1), received);
            assertEquals(" caf\ufffd", received);
        }
    }

    @Test
    void jmilterAbortsTheSessionOnAConnectWithTheUnknownFamily() throws Exception {
        try (MilterTestClient client = new MilterTestClient(MilterTestClient.loopback(port))) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("localhost", 'U', 0, null));
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertThrows(IOException.class, () -> {
                while (true) {
                    client.read(); // jmilter closes the connection instead of answering
                }
            });
        }
    }

    @Test
    void jmilterGivesTheNullSenderAsAnEmptyList() throws Exception {
        try (MilterTestClient client = new MilterTestClient(MilterTestClient.loopback(port))) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            // on the non_smtpd_milters path Postfix sends the null sender unbracketed: an empty string
            client.send('M', MilterTestClient.strings(""));
            assertEquals(List.of(), sender.get(10, TimeUnit.SECONDS));
        }
    }
}
