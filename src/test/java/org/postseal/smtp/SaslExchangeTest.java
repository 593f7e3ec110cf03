package org.postseal.smtp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.smtp.SmtpCommand;
import io.netty.handler.codec.smtp.SmtpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The AUTH exchange on its own: mechanism choice, the AUTH command and the answers to 334 challenges. */
class SaslExchangeTest {
    @Test
    void autoPrefersPlainThenLoginAndAnExplicitChoiceMustBeOffered() throws SaslExchange.Failure {
        assertEquals("PLAIN", SaslExchange.mechanism(AuthMechanism.AUTO, Set.of("LOGIN", "PLAIN")));
        assertEquals("LOGIN", SaslExchange.mechanism(AuthMechanism.AUTO, Set.of("LOGIN", "CRAM-MD5")));
        assertEquals("LOGIN", SaslExchange.mechanism(AuthMechanism.LOGIN, Set.of("LOGIN", "PLAIN")));
        assertEquals("AUTH failed: server offers AUTH CRAM-MD5 GSSAPI, not PLAIN or LOGIN",
                assertThrows(SaslExchange.Failure.class,
                        () -> SaslExchange.mechanism(AuthMechanism.AUTO, Set.of("GSSAPI", "CRAM-MD5"))).getMessage());
        assertEquals("AUTH failed: server does not offer AUTH, not PLAIN", assertThrows(SaslExchange.Failure.class,
                () -> SaslExchange.mechanism(AuthMechanism.PLAIN, Set.of())).getMessage());
        assertThrows(IllegalStateException.class, () -> SaslExchange.mechanism(AuthMechanism.NONE, Set.of("PLAIN")));
    }

    @Test
    void plainSendsItsInitialResponseWithTheCommand() throws SaslExchange.Failure {
        SaslExchange exchange = SaslExchange.start("PLAIN", "u", "p", "h.test");
        SmtpRequest command = exchange.command();
        assertEquals(SmtpCommand.AUTH, command.command());
        assertEquals(List.of("PLAIN", base64("\0u\0p")), command.parameters().stream().map(Object::toString)
                .toList());
        assertFalse(exchange.expectsChallenge());
        exchange.dispose();
    }

    @Test
    void loginAnswersTwoChallengesWithUserAndPassword() throws SaslExchange.Failure {
        SaslExchange exchange = SaslExchange.start("LOGIN", "u", "p", "h.test");
        assertEquals(List.of("LOGIN"), exchange.command().parameters().stream().map(Object::toString).toList());
        assertTrue(exchange.expectsChallenge());
        SmtpRequest user = exchange.answer(SmtpReply.of(334, List.of(base64("Username:"))));
        assertEquals(SmtpCommand.EMPTY, user.command());
        assertEquals(base64("u"), user.parameters().get(0).toString());
        assertEquals(base64("p"), exchange.answer(SmtpReply.of(334, List.of("not base64!")))
                .parameters().get(0).toString());
        exchange.dispose();
        assertFalse(exchange.expectsChallenge());
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
