package org.postseal.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the process behind a listening socket in this machine's real {@code /proc}: this test's own. */
class ListeningProcessTest {
    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void theProcessListeningOnATcpPortIPv4OrIPv6() throws Exception {
        ListeningProcess processes = ListeningProcess.onThisMachine();
        try (ServerSocket v4 = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertEquals(Optional.of(SELF), processes.onTcpPort(v4.getLocalPort()));
        }
        try (ServerSocket v6 = new ServerSocket()) {
            v6.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            assertEquals(Optional.of(SELF), processes.onTcpPort(v6.getLocalPort()));
        }
    }

    @Test
    void nobodyListensOnAClosedPort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        assertEquals(Optional.empty(), ListeningProcess.onThisMachine().onTcpPort(port));
    }

    @Test
    void theProcessListeningOnAUnixSocketAndNotOnAnotherPath() throws Exception {
        Path socket = dir.resolve("milter.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            assertEquals(Optional.of(SELF), ListeningProcess.onThisMachine().onUnixSocket(socket));
            assertEquals(Optional.empty(), ListeningProcess.onThisMachine().onUnixSocket(dir.resolve("other.sock")));
        }
    }
}
