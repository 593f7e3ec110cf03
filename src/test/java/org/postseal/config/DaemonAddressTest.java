package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code postseal reload} reads to find a daemon: the pid file and socket alone, even when the rest of the
 * configuration (a table) has just been broken.
 */
class DaemonAddressTest {
    @TempDir
    Path dir;

    @Test
    void anOpenDkimConfsPidFileAndSocketEvenWithABrokenKeyTable() {
        Fixtures.write(dir, "KeyTable", "this line is wrong\n");
        Path conf = Fixtures.write(dir, "opendkim.conf", "KeyTable " + dir.resolve("KeyTable")
                + "\nSigningTable refile:" + dir.resolve("SigningTable") + "\nSocket inet:41310@127.0.0.1\n"
                + "PidFile /run/postseal/milter.pid\n");
        DaemonAddress address = DaemonAddress.ofOpenDkim(conf);
        assertEquals(Optional.of(Path.of("/run/postseal/milter.pid")), address.pidFile());
        assertEquals(SocketSpec.parse("inet:41310@127.0.0.1"), address.socket());
    }

    @Test
    void anOpenDkimConfWithoutSocketNamesTheFile() {
        Path conf = Fixtures.write(dir, "opendkim.conf", "Mode s\n");
        ConfigException e = assertThrows(ConfigException.class, () -> DaemonAddress.ofOpenDkim(conf));
        assertTrue(e.getMessage().startsWith(conf + ": Socket is not set"), e.getMessage());
    }

    @Test
    void theMilterAndTheSmarthostOfAHoconFileAndTheDefaults() {
        Path conf = Fixtures.write(dir, "postseal.conf", "postseal.milter {\n  socket = \"local:run/m.sock\"\n"
                + "  pid-file = run/m.pid\n  key-table = missing\n}\npostseal.smarthost.socket = run/s.sock\n");
        DaemonAddress milter = DaemonAddress.ofMilter(Optional.of(conf), dir);
        assertEquals(Optional.of(dir.resolve("run/m.pid")), milter.pidFile());
        assertEquals(SocketSpec.parse("local:run/m.sock"), milter.socket());
        DaemonAddress smarthost = DaemonAddress.ofSmarthost(Optional.of(conf), dir);
        assertEquals(Optional.empty(), smarthost.pidFile());
        assertEquals(SocketSpec.parse("local:" + dir.resolve("run/s.sock")), smarthost.socket());
        assertEquals(SocketSpec.parse("inet:8891@localhost"), DaemonAddress.ofMilter(Optional.empty(), dir).socket());
    }

    @Test
    void aMalformedSocketNamesFileAndLine() {
        Path conf = Fixtures.write(dir, "postseal.conf", "postseal.milter {\n  socket = \"inet:smtp\"\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> DaemonAddress.ofMilter(Optional.of(conf), dir));
        assertTrue(e.getMessage().contains("postseal.conf: 2"), e.getMessage());
    }
}
