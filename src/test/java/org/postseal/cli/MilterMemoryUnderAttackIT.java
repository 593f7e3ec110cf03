package org.postseal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.milter.MilterTestClient;

/**
 * Issue 8's first attack on a running {@code postseal milter} process with its default memory settings: hundreds of
 * connections each send most of a 1 MB packet and then wait. Before the packet-memory bound, resident memory grew by
 * about 1 MB per such connection and stayed there; now it grows by at most the bound (64 MiB by default) plus the
 * JVM's own slack, normal mail is signed while the attack goes on, and the attackers are cut off at the command
 * timeout.
 */
class MilterMemoryUnderAttackIT {
    private static final int ATTACKERS = 300;

    @TempDir
    Path dir;

    @Test
    void slowPartialPacketsLeaveResidentMemoryBoundedAndMailSigned() throws Exception {
        PostsealProcess.Outcome genkey = PostsealProcess.run(new byte[0], "genkey", "-d", "example.com", "-s", "mail",
                "-D", dir.toString());
        assertEquals(0, genkey.exitCode(), genkey.stderr());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("KeyTable"), "k example.com:mail:" + dir.resolve("mail.private") + "\n");
        Files.writeString(dir.resolve("SigningTable"), "*@example.com k\n");
        Path conf = dir.resolve("postseal.conf");
        Files.writeString(conf, "postseal.milter {\n  socket = \"inet:" + port + "@127.0.0.1\"\n"
                + "  key-table = \"" + dir.resolve("KeyTable") + "\"\n"
                + "  signing-table = \"refile:" + dir.resolve("SigningTable") + "\"\n"
                + "  limits.command-timeout = 15s\n}\n");
        Path log = dir.resolve("milter.log");
        Process milter = new ProcessBuilder("java", "-jar", PostsealProcess.jar().toString(), "milter", "--config",
                conf.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        List<Socket> attackers = new ArrayList<>();
        try {
            MilterCommandIT.awaitListening(milter, port);
            assertTrue(signs(port), "signed before the attack");
            long before = residentKb(milter);
            byte[] part = new byte[1_000_000];
            for (int i = 0; i < ATTACKERS; i++) {
                Socket attacker = new Socket("127.0.0.1", port);
                attackers.add(attacker);
                try {
                    OutputStream out = attacker.getOutputStream();
                    out.write(new byte[] {0, 15, -3, -24, 'B'}); // a 1,047,912-byte packet announced
                    out.write(part);
                    out.flush();
                } catch (IOException e) {
                    // over the bound: the milter closed it while it was sending
                }
            }
            Thread.sleep(1000);
            int cutAtOnce = 0;
            for (Socket attacker : attackers) {
                cutAtOnce += closed(attacker) ? 1 : 0;
            }
            long during = residentKb(milter);
            long started = System.nanoTime();
            assertTrue(signs(port), "a normal message is signed during the attack");
            long signMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            long grownMb = (during - before) / 1024;
            System.out.printf("resident memory: %d MB before, %d MB with %d slow connections (%d MB sent); "
                    + "%d cut at once; normal message signed in %d ms%n", before / 1024, during / 1024, ATTACKERS,
                    ATTACKERS, cutAtOnce, signMillis);
            assertTrue(grownMb < 160, "resident memory grew by " + grownMb + " MB for " + ATTACKERS
                    + " MB sent (bound: 64 MiB of partial packets)");
            assertTrue(cutAtOnce > ATTACKERS / 2, "connections over the bound are cut at once: " + cutAtOnce);
            // at the command timeout the rest are cut, and the milter still serves
            Thread.sleep(16_000);
            assertTrue(signs(port), "signed after the attack");
            String text = Files.readString(log);
            assertTrue(text.contains("limits.buffer-memory"), text);
            assertTrue(text.contains("limits.command-timeout"), text);
            assertTrue(milter.isAlive());
        } finally {
            for (Socket s : attackers) {
                s.close();
            }
            milter.destroy();
            if (!milter.waitFor(10, TimeUnit.SECONDS)) {
                milter.destroyForcibly();
            }
        }
    }

    private static boolean signs(int port) throws IOException {
        try (MilterTestClient client = new MilterTestClient(new InetSocketAddress("127.0.0.1", port))) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            client.send('C', MilterTestClient.connectPayload("localhost", '4', 1, "127.0.0.1"));
            assertEquals('c', client.read().code());
            client.send('M', MilterTestClient.strings("<joe@example.com>"));
            assertEquals('c', client.read().code());
            client.send('L', MilterTestClient.header("From".getBytes(), " joe@example.com".getBytes()));
            client.send('N', new byte[0]);
            assertEquals('c', client.read().code());
            client.send('B', "hello\r\n".getBytes());
            client.send('E', new byte[0]);
            return client.readUntilFinal().get(0).code() == 'i';
        }
    }

    /** Whether the milter has closed this connection (end of stream or reset, not a read timeout). */
    private static boolean closed(Socket socket) {
        try {
            socket.setSoTimeout(50);
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static long residentKb(Process process) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + process.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + process.pid());
    }
}
