package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SocketSpecTest {

    @ParameterizedTest
    @CsvSource({
        "inet:8891@127.0.0.1, INET, 8891, 127.0.0.1, inet:8891@127.0.0.1",
        "inet:8891@localhost, INET, 8891, localhost, inet:8891@localhost",
        "inet:8891@[127.0.0.1], INET, 8891, 127.0.0.1, inet:8891@[127.0.0.1]",
        "inet6:8891@[::1], INET6, 8891, ::1, inet6:8891@[::1]",
        "inet6:8891@::1, INET6, 8891, ::1, inet6:8891@::1",
        "INET:25@mail.example.com, INET, 25, mail.example.com, inet:25@mail.example.com",
    })
    void readsTcpSockets(String text, SocketSpec.Family family, int port, String host, String back) {
        SocketSpec socket = SocketSpec.parse(text);
        assertEquals(family, socket.family());
        assertEquals(port, socket.port());
        assertEquals(Optional.of(host), socket.host());
        assertEquals(back, socket.toString());
        assertEquals(socket, SocketSpec.parse(socket.toString()));
    }

    /** libmilter: without @host the socket listens on every interface (INADDR_ANY / in6addr_any). */
    @Test
    void withoutHostEveryInterface() {
        SocketSpec socket = SocketSpec.parse("inet:8891");
        assertEquals(Optional.empty(), socket.host());
        assertEquals("inet:8891", socket.toString());
        assertEquals(Optional.empty(), SocketSpec.parse("inet6:8891").host());
    }

    @ParameterizedTest
    @CsvSource({
        "local:/var/spool/postfix/opendkim/opendkim.sock, /var/spool/postfix/opendkim/opendkim.sock",
        "unix:/run/opendkim/opendkim.sock, /run/opendkim/opendkim.sock",
        "/run/x.sock, /run/x.sock",
        ":/run/x.sock, /run/x.sock",
        "local:relative.sock, relative.sock",
    })
    void readsUnixSockets(String text, String path) {
        SocketSpec socket = SocketSpec.parse(text);
        assertEquals(SocketSpec.Family.UNIX, socket.family());
        assertEquals(Optional.of(Path.of(path)), socket.path());
        assertEquals("local:" + path, socket.toString());
        assertEquals(socket, SocketSpec.unix(Path.of(path)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "inet:localhost:8891|socket: inet:localhost:8891 (expected: inet:port@host; Postfix writes inet:host:port,"
            + " OpenDKIM inet:8891@localhost)",
        "inet:0@localhost|socket: inet:0@localhost (expected: a port from 1 to 65535)",
        "inet:70000|socket: inet:70000 (expected: a port from 1 to 65535)",
        "inet:smtp@localhost|socket: inet:smtp@localhost (expected: a port from 1 to 65535)",
        "inet:8891@|socket: inet:8891@ (expected: a host name or address after @)",
        "inet6:8891@[::1|socket: inet6:8891@[::1 (expected: an address in [brackets])",
        "tcp:8891|socket: tcp:8891 (expected: local:/path, inet:port[@host] or inet6:port[@host])",
        "local:|socket: local: (expected: a path after local:)",
    })
    void refusesMalformedSockets(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> SocketSpec.parse(text))
                .getMessage());
    }

    /** What {@code postseal check} tells the administrator to write in Postfix's main.cf. */
    @Test
    void postfixSpellsTheSocketItsOwnWay() {
        assertEquals("inet:127.0.0.1:8891", SocketSpec.parse("inet:8891@127.0.0.1").postfixSpelling());
        assertEquals("inet:localhost:8891", SocketSpec.parse("inet:8891").postfixSpelling());
        assertEquals("inet:localhost:8891", SocketSpec.parse("inet:8891@localhost").postfixSpelling());
        assertEquals("inet:[::1]:8891", SocketSpec.parse("inet6:8891@[::1]").postfixSpelling());
        assertEquals("unix:opendkim/opendkim.sock",
                SocketSpec.parse("local:/var/spool/postfix/opendkim/opendkim.sock").postfixSpelling());
        assertEquals("unix:/run/opendkim/opendkim.sock",
                SocketSpec.parse("local:/run/opendkim/opendkim.sock").postfixSpelling());
    }
}
