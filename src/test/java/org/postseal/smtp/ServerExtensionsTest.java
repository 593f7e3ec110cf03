package org.postseal.smtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import javax.security.sasl.SaslException;
import org.junit.jupiter.api.Test;

class ServerExtensionsTest {
    @Test
    void parsesPostfixsEhloReply() {
        ServerExtensions extensions = ServerExtensions.parse(List.of("mta.postseal.test", "PIPELINING",
                "SIZE 10240000", "VRFY", "ETRN", "STARTTLS", "AUTH PLAIN LOGIN", "AUTH=PLAIN LOGIN",
                "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING"));
        assertTrue(extensions.pipelining());
        assertTrue(extensions.size());
        assertEquals(10240000, extensions.sizeLimit());
        assertTrue(extensions.startTls());
        assertTrue(extensions.eightBitMime());
        assertTrue(extensions.smtpUtf8());
        assertTrue(extensions.enhancedStatusCodes());
        assertEquals(Set.of("PLAIN", "LOGIN"), extensions.authMechanisms());
        assertTrue(extensions.keywords().contains("CHUNKING"));
    }

    @Test
    void sizeWithoutLimitAndTheGreetingLineIgnored() {
        ServerExtensions extensions = ServerExtensions.parse(List.of("PIPELINING says hello", "size", "auth cram-md5"));
        assertFalse(extensions.pipelining());
        assertTrue(extensions.size());
        assertEquals(0, extensions.sizeLimit());
        assertEquals(Set.of("CRAM-MD5"), extensions.authMechanisms());
        assertFalse(ServerExtensions.parse(List.of("x", "SIZE lots")).sizeLimit() > 0);
        assertFalse(ServerExtensions.NONE.startTls());
    }

    @Test
    void loginSendsUserThenPassword() throws SaslException {
        LoginSaslClient login = new LoginSaslClient("alice", "pässword");
        assertFalse(login.hasInitialResponse());
        assertEquals("LOGIN", login.getMechanismName());
        assertArrayEquals("alice".getBytes(StandardCharsets.UTF_8), login.evaluateChallenge("Username:".getBytes()));
        assertFalse(login.isComplete());
        assertArrayEquals("pässword".getBytes(StandardCharsets.UTF_8), login.evaluateChallenge(new byte[0]));
        assertTrue(login.isComplete());
        assertThrows(SaslException.class, () -> login.evaluateChallenge(new byte[0]));
    }

    @Test
    void fingerprintsBySizeAndFormat() {
        assertEquals(32, TlsSupport.parseFingerprint("AB:".repeat(31) + "CD").length);
        assertEquals(20, TlsSupport.parseFingerprint("ab".repeat(20)).length);
        assertThrows(IllegalArgumentException.class, () -> TlsSupport.parseFingerprint("AB:CD"));
        assertThrows(IllegalArgumentException.class, () -> TlsSupport.parseFingerprint("ZZ:".repeat(31) + "ZZ"));
    }
}
