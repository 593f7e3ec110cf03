package org.postseal.packaging;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.interop.Peers;
import org.postseal.keys.ZoneFileTxt;
import org.postseal.milter.MilterTestClient;
import org.postseal.postfix.Commands;

/**
 * The Debian package as an administrator meets it, on this machine: {@code dpkg -i} of the {@code .deb} that
 * {@code mvn package} built; the files, owners, modes and the {@code postseal} user it sets up; both units checked
 * by {@code systemd-analyze verify} and {@code security --offline}; a key made with the installed launcher as the
 * shipped configuration's comments say, the configuration edited by uncommenting its lines, and the milter run with
 * the installed unit's {@code ExecStart=} as the unit's {@code User=}, {@code Group=}, {@code UMask=},
 * {@code RuntimeDirectory=}, {@code NoNewPrivileges=} and empty {@code CapabilityBoundingSet=} say (systemd is not
 * PID 1 here, so the test plays its part with {@code setpriv}); a message signed through its unix socket and checked
 * by dkimpy; then {@code dpkg --purge}, after which only the administrator's keys are left (and the user owning them).
 *
 * <p>Needs root, dpkg, systemd-analyze, setpriv and python3 with dkimpy: without them the test is skipped, or fails
 * with {@code CI=true}. A package left installed by an earlier run is purged first; the test's own key files (selector
 * {@value #SELECTOR}) are removed at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DebianPackageIT {
    private static final String PACKAGE = "postseal";
    private static final String SELECTOR = "postseal-it";
    private static final String DOMAIN = "example.com";
    private static final Path ETC = Path.of("/etc/postseal");
    private static final Path KEYS = ETC.resolve("keys");
    private static final Path CONF = ETC.resolve("postseal.conf");
    private static final Path KEY = KEYS.resolve(SELECTOR + ".private");
    private static final Path RECORD = KEYS.resolve(SELECTOR + ".txt");
    private static final Path UNITS = Path.of("/lib/systemd/system");
    private static final Path MILTER_UNIT = UNITS.resolve("postseal-milter.service");
    private static final Path SMARTHOST_UNIT = UNITS.resolve("postseal-smarthost.service");
    private static final Path RUN = Path.of("/run/postseal");
    private static final Path MILTER_SOCKET = RUN.resolve("milter.sock");
    private static final Path SENDMAIL_ARCHIVE = Path.of("/usr/share/postseal/postseal-sendmail.jsa");
    /** Where the package and its scripts write: everything under the first five, "postseal" names in the others. */
    private static final List<Path> OWN_TREES = List.of(ETC, Path.of("/var/lib/postseal"),
            Path.of("/var/spool/postseal"), Path.of("/usr/share/postseal"), Path.of("/usr/share/doc/postseal"), RUN);
    private static final List<Path> SHARED_TREES = List.of(Path.of("/usr/bin"), UNITS, Path.of("/etc/systemd/system"),
            Path.of("/var/lib/systemd/deb-systemd-helper-enabled"),
            Path.of("/var/lib/systemd/deb-systemd-helper-masked"));
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    /** The highest exposure `systemd-analyze security` may give a unit (docs/DEPLOYMENT.md has the figures). */
    private static final double MAX_EXPOSURE = 2.0;

    @TempDir
    static Path scratch;

    private Set<String> before;
    private String installOutput;
    private Process milter;

    @BeforeAll
    void installThePackage() throws IOException {
        if (new UnixSystem().getUid() != 0) {
            Peers.unavailable("DebianPackageIT installs a package with dpkg: it needs root");
        }
        Peers.requireProgram(Path.of("/usr/bin/dpkg"), "dpkg");
        Peers.requireProgram(Path.of("/usr/bin/systemd-analyze"), "systemd");
        Peers.requireProgram(Path.of("/usr/bin/deb-systemd-helper"), "init-system-helpers");
        Peers.requireProgram(Path.of("/usr/sbin/adduser"), "adduser");
        Peers.requireProgram(Path.of("/usr/bin/setpriv"), "util-linux");
        Peers.requireProgram(Path.of("/usr/sbin/runuser"), "util-linux");
        Peers.requireProgram(Path.of("/usr/bin/python3"), "python3");
        Peers.require(Peers.Peer.DKIMPY);
        Path deb = builtPackage();

        if (isInstalled()) { // an earlier run that died left it
            run("dpkg", "--purge", PACKAGE).requireSuccess();
        }
        removeTheTestsKeys();
        before = snapshot();

        installOutput = run("dpkg", "-i", deb.toString()).requireSuccess().output();
    }

    @AfterAll
    void cleanUp() throws IOException, InterruptedException {
        if (milter != null && milter.isAlive()) {
            stop(milter);
        }
        if (before != null && isInstalled()) {
            run("dpkg", "--purge", PACKAGE);
        }
        removeTheTestsKeys();
    }

    @Test
    @Order(1)
    void installsTheJarLaunchersUnitsAndAConffileAndSetsUpTheUser() throws IOException {
        assertFalse(installOutput.toLowerCase().contains("warning"), installOutput);
        assertEquals("installed", status(), "dpkg's status");

        List<String> user = getent("passwd", "postseal");
        assertTrue(Integer.parseInt(user.get(2)) < 1000, "a system user: " + user);
        assertEquals("/var/lib/postseal", user.get(5));
        assertEquals("/usr/sbin/nologin", user.get(6));
        assertEquals("postseal", getent("group", user.get(3)).get(0), "its own group: " + user);

        assertOwnerAndMode("/usr/share/postseal/postseal.jar", "root", "root", "rw-r--r--");
        assertOwnerAndMode("/usr/bin/postseal", "root", "root", "rwxr-xr-x");
        assertOwnerAndMode("/usr/bin/postseal-sendmail", "root", "root", "rwxr-xr-x");
        assertOwnerAndMode("/etc/postseal", "root", "root", "rwxr-xr-x");
        assertOwnerAndMode("/etc/postseal/postseal.conf", "root", "root", "rw-r--r--");
        assertOwnerAndMode("/etc/postseal/keys", "postseal", "postseal", "rwx------");
        assertOwnerAndMode("/var/lib/postseal", "postseal", "postseal", "rwx------");
        assertOwnerAndMode("/var/spool/postseal", "postseal", "postseal", "rwx------");
        assertOwnerAndMode(MILTER_UNIT.toString(), "root", "root", "rw-r--r--");
        assertOwnerAndMode(SMARTHOST_UNIT.toString(), "root", "root", "rw-r--r--");
        assertOwnerAndMode("/usr/share/doc/postseal/DEPLOYMENT.md", "root", "root", "rw-r--r--");

        String conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", PACKAGE).requireSuccess().output();
        assertTrue(conffiles.contains(" " + CONF + " "), "a conffile: " + conffiles);
        assertEquals(-1, Files.mismatch(CONF, Path.of("src/deb/etc/postseal.conf")), "the shipped configuration");

        Path wants = Path.of("/etc/systemd/system/multi-user.target.wants");
        assertEquals(MILTER_UNIT, Files.readSymbolicLink(wants.resolve("postseal-milter.service")),
                "the milter is enabled");
        assertFalse(Files.exists(wants.resolve("postseal-smarthost.service"), LinkOption.NOFOLLOW_LINKS),
                "the smarthost is not enabled before it has an msmtp file and a key");

        Commands.Result version = run("runuser", "-u", "postseal", "--", "/usr/bin/postseal", "--version");
        assertEquals(0, version.exitCode(), version.output());
        assertTrue(version.output().startsWith("postseal "), version.output());
    }

    @Test
    @Order(1)
    void postinstBuildsTheSendmailArchiveWhichTheWebServersUserRunsWithButCannotChange() {
        assertDoesNotThrow(() -> assertOwnerAndMode(SENDMAIL_ARCHIVE.toString(), "root", "root", "rw-r--r--"));
        String triggers = run("dpkg-query", "-W", "-f=${Triggers-Pending}", PACKAGE).output();
        assertEquals("", triggers.strip(), "no trigger left pending");

        byte[] message = "To: a@example.org\nFrom: b@example.org\n\nhi\n".getBytes(StandardCharsets.UTF_8);
        // -Xshare:on after the launcher's -Xshare:auto: the JVM stops if it cannot use the archive
        Commands.Result withArchive = Commands.run(List.of("runuser", "-u", "nobody", "--", "env",
                "POSTSEAL_SOCKET=/nonexistent/smarthost.sock", "POSTSEAL_JAVA_OPTS=-Xshare:on",
                "/usr/bin/postseal-sendmail", "-t", "-i"), Map.of(), message, scratch, COMMAND_TIMEOUT);
        assertEquals(75, withArchive.exitCode(), withArchive.output());
        assertEquals("postseal sendmail: message not accepted, try again later: cannot reach the smarthost at "
                + "/nonexistent/smarthost.sock: No such file or directory", withArchive.output().strip(),
                "the archive is used, and the one line is all PHP would log");

        // a Java runtime upgrade (a file under /usr/lib/jvm) has postinst build it again
        assertDoesNotThrow(() -> Files.delete(SENDMAIL_ARCHIVE));
        run("dpkg-trigger", "--no-await", "/usr/lib/jvm").requireSuccess();
        run("dpkg", "--triggers-only", PACKAGE).requireSuccess();
        assertTrue(Files.isRegularFile(SENDMAIL_ARCHIVE), "rebuilt by the trigger");
    }

    @Test
    @Order(2)
    void bothUnitsPassSystemdAnalyzeVerifyAndAreHardened() {
        for (Path unit : List.of(MILTER_UNIT, SMARTHOST_UNIT)) {
            Commands.Result verify = run("systemd-analyze", "verify", unit.toString());
            assertEquals(0, verify.exitCode(), verify.output());
            assertEquals("", verify.output().strip(), "no warning about " + unit);

            Commands.Result security = run("systemd-analyze", "security", "--offline=true", unit.toString());
            assertEquals(0, security.exitCode(), security.output());
            for (String check : List.of("User=/DynamicUser=", "NoNewPrivileges=", "ProtectSystem=", "ProtectHome=",
                    "PrivateTmp=", "CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet=~CAP_NET_ADMIN")) {
                assertTrue(security.output().lines().anyMatch(l -> l.matches("✓ " + Pattern.quote(check) + "\\s.*")),
                        check + " in " + unit + ":\n" + security.output());
            }
            Matcher exposure = Pattern.compile("Overall exposure level for " + Pattern.quote(unit.getFileName()
                    .toString()) + ": (\\d+\\.\\d)").matcher(security.output());
            assertTrue(exposure.find(), security.output());
            assertTrue(Double.parseDouble(exposure.group(1)) <= MAX_EXPOSURE, unit + ": " + exposure.group());
        }
    }

    @Test
    @Order(3)
    @Timeout(180)
    void theMilterRunsAsTheUnitSaysAndSignsThroughItsSocket() throws Exception {
        Commands.Result genkey = run("runuser", "-u", "postseal", "--", "/usr/bin/postseal", "genkey", "--domain",
                DOMAIN, "--selector", SELECTOR, "--directory", KEYS.toString());
        assertEquals(0, genkey.exitCode(), genkey.output());
        assertOwnerAndMode(KEY.toString(), "postseal", "postseal", "rw-------");
        configure(List.of());

        SystemdUnit unit = SystemdUnit.read(MILTER_UNIT);
        milter = start(unit);
        awaitSocket(milter, MILTER_SOCKET);

        String uid = getent("passwd", unit.required("Service", "User")).get(2);
        assertTrue(Files.readString(Path.of("/proc/" + milter.pid() + "/status")).contains("\nUid:\t" + uid + "\t"),
                "runs as " + unit.required("Service", "User"));
        assertOwnerAndMode(MILTER_SOCKET.toString(), "postseal", unit.required("Service", "Group"), "rw-rw----");
        assertEquals(0, connectAs("nobody", "nogroup", "postseal"),
                "a member of the group postseal reaches the socket, as Postfix does after adduser postfix postseal");
        assertNotEquals(0, connectAs("nobody", "nogroup", null), "a user outside the group does not");

        byte[] message = ("From: Joe <joe@" + DOMAIN + ">\r\nTo: ann@example.org\r\nSubject: from the Debian"
                + " package\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <deb-it@" + DOMAIN + ">\r\n\r\n"
                + "Signed by the milter the package installed.\r\n").getBytes(StandardCharsets.US_ASCII);
        List<MilterTestClient.Reply> replies;
        try (MilterTestClient client = MilterTestClient.unix(MILTER_SOCKET)) {
            client.negotiate(6, MilterTestClient.POSTFIX_ACTIONS, MilterTestClient.POSTFIX_STEPS_V6);
            replies = client.sendMessage("mx." + DOMAIN, "127.0.0.1", "4DEBIT", message);
        }
        byte[] signed = signedMessage(replies, message);

        Peers.PeerResult dkimpy = Peers.dkimpyVerify(signed, Map.of(Peers.keyName(SELECTOR, DOMAIN), record()));
        assertTrue(dkimpy.allPassed() && dkimpy.signatures() == 1, dkimpy.output());

        int exit = stop(milter);
        String log = Files.readString(scratch.resolve("milter.log"));
        assertTrue(Set.of(0, 143).contains(exit) && unit.required("Service", "SuccessExitStatus").contains("143"),
                "a clean stop on SIGTERM (" + exit + ") that the unit counts as success:\n" + log);
        assertTrue(log.contains("postseal milter ready (" + CONF + ", Mode sv, 1 key(s)"), log);
        assertTrue(log.contains("4DEBIT: signed from=" + DOMAIN + " d=" + DOMAIN + " s=" + SELECTOR
                + " a=rsa-sha256\n"), log);
        assertFalse(log.contains("running as root"), log);
        assertFalse(Files.exists(MILTER_SOCKET), "the socket is removed at shutdown");
    }

    /**
     * OpenDKIM's {@code UserID opendkim:GROUP} gives the socket that group; so does {@code socket-group}. A service
     * user outside the group cannot, and start-up stops naming the unit setting that fixes it.
     */
    @Test
    @Order(4)
    @Timeout(120)
    void aSocketGroupTheServiceIsNotInStopsStartUpNamingSupplementaryGroups() throws Exception {
        configure(List.of("  socket-group = \"daemon\""));
        Process refused = start(SystemdUnit.read(MILTER_UNIT));
        assertTrue(refused.waitFor(60, TimeUnit.SECONDS), "stops at once");
        String log = Files.readString(scratch.resolve("milter.log"));
        assertEquals(78, refused.exitValue(), log);
        assertTrue(log.contains("postseal milter: " + MILTER_SOCKET + ": cannot give it the group daemon (Operation"
                + " not permitted); the process must be a member of that group (systemd: SupplementaryGroups=daemon)"),
                log);
        assertFalse(Files.exists(MILTER_SOCKET), "no socket left behind");
    }

    @Test
    @Order(5)
    void purgeLeavesOnlyTheAdministratorsKeysAndTheUserOwningThem() throws IOException {
        Commands.Result purge = run("dpkg", "--purge", PACKAGE);
        assertEquals(0, purge.exitCode(), purge.output());
        List<String> warnings = purge.output().lines().filter(l -> l.toLowerCase().contains("warning")).toList();
        assertEquals(List.of("dpkg: warning: while removing postseal, directory '/etc/postseal' not empty so not"
                + " removed"), warnings, "dpkg says the keys' directory stays:\n" + purge.output());
        assertNotEquals("installed", status());

        Set<String> expected = new TreeSet<>(before);
        expected.addAll(List.of(ETC.toString(), KEYS.toString(), KEY.toString(), RECORD.toString()));
        assertEquals(expected, snapshot(), "nothing but the keys is left");
        assertEquals("postseal", getent("passwd", "postseal").get(0), "the user who owns the keys stays");
        assertOwnerAndMode(KEY.toString(), "postseal", "postseal", "rw-------");
    }

    // --- playing the administrator and systemd ---

    /**
     * Writes the shipped configuration with the lines an administrator uncomments for a unix socket and one key
     * (and the test's selector for "mail"), plus {@code extra} lines in {@code postseal.milter}.
     */
    private static void configure(List<String> extra) throws IOException {
        String shipped = Files.readString(Path.of("src/deb/etc/postseal.conf"));
        String conf = replace(shipped, "  socket = \"inet:8891@localhost\"\n", "");
        conf = replace(conf, "  # socket = \"local:/run/postseal/milter.sock\"", "  socket = \"local:" + MILTER_SOCKET
                + "\"");
        conf = replace(conf, "  # socket-mode = \"0660\"", "  socket-mode = \"0660\"");
        conf = replace(conf, "  # domain = [\"example.com\"]", "  domain = [\"" + DOMAIN + "\"]");
        conf = replace(conf, "  # selector = \"mail\"", "  selector = \"" + SELECTOR + "\"");
        conf = replace(conf, "  # key-file = \"/etc/postseal/keys/mail.private\"", "  key-file = \"" + KEY + "\"");
        for (String line : extra) {
            conf = replace(conf, "postseal.milter {\n", "postseal.milter {\n" + line + "\n");
        }
        Files.writeString(CONF, conf);
    }

    private static String replace(String text, String line, String replacement) {
        assertTrue(text.contains(line), "the shipped postseal.conf has: " + line);
        return text.replace(line, replacement);
    }

    /**
     * Starts the unit's {@code ExecStart=} as systemd would: its user and group (with the user's other groups),
     * no new privileges and no capabilities when the unit says so, its umask, a clean environment, in {@code /},
     * with the runtime directory made with the unit's mode. Output goes to {@code milter.log} in the scratch
     * directory.
     */
    private Process start(SystemdUnit unit) throws IOException {
        String user = unit.required("Service", "User");
        String group = unit.required("Service", "Group");
        List<String> passwd = getent("passwd", user);
        String runtime = unit.required("Service", "RuntimeDirectory");
        assertEquals(RUN, Path.of("/run", runtime), "the runtime directory the configuration uses");
        if (!Files.isDirectory(RUN)) {
            run("install", "-d", "-o", user, "-g", group, "-m",
                    unit.value("Service", "RuntimeDirectoryMode").orElse("0755"), RUN.toString()).requireSuccess();
        }
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + group,
                "--init-groups"));
        if (unit.isOn("Service", "NoNewPrivileges")) {
            command.add("--no-new-privs");
        }
        if (unit.value("Service", "CapabilityBoundingSet").filter(String::isEmpty).isPresent()) {
            command.add("--bounding-set=-all");
        }
        command.addAll(List.of("/bin/sh", "-c", "umask \"$0\" && exec \"$@\"",
                unit.value("Service", "UMask").orElse("0022")));
        command.addAll(unit.execStart());
        ProcessBuilder builder = new ProcessBuilder(command).directory(Path.of("/").toFile())
                .redirectErrorStream(true).redirectOutput(scratch.resolve("milter.log").toFile());
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME", passwd.get(5), "USER", user, "LOGNAME", user, "SHELL", passwd.get(6), "LANG", "C.UTF-8"));
        return builder.start();
    }

    private void awaitSocket(Process process, Path socket) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            assertTrue(process.isAlive(), () -> "the milter exited:\n" + readLog());
            if (Files.exists(socket)) {
                try (MilterTestClient probe = MilterTestClient.unix(socket)) {
                    return;
                } catch (IOException e) {
                    // not accepting yet
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no socket " + socket + " after 60 s:\n" + readLog());
    }

    private String readLog() {
        try {
            return Files.readString(scratch.resolve("milter.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static int stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    /** Exit code of a connection to the milter's socket by {@code user}, with {@code group} as extra group if any. */
    private int connectAs(String user, String primaryGroup, String extraGroup) {
        List<String> command = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + primaryGroup));
        command.add(extraGroup == null ? "--clear-groups" : "--groups=" + extraGroup);
        command.addAll(List.of("/usr/bin/python3", "-c",
                "import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])", MILTER_SOCKET.toString()));
        return run(command.toArray(String[]::new)).exitCode();
    }

    /** The message as Postfix passes it on: the fields the milter inserted at the top, then the message. */
    private static byte[] signedMessage(List<MilterTestClient.Reply> replies, byte[] message) {
        assertEquals('c', replies.get(replies.size() - 1).code(), "continue");
        List<MilterTestClient.Reply> inserts = new ArrayList<>(replies.subList(0, replies.size() - 1));
        assertEquals(1, inserts.size(), "one field inserted");
        assertEquals('i', inserts.get(0).code());
        byte[] payload = inserts.get(0).payload();
        String[] nameValue = new String(Arrays.copyOfRange(payload, 4, payload.length), StandardCharsets.ISO_8859_1)
                .split("\0");
        assertEquals("DKIM-Signature", nameValue[0]);
        String value = nameValue[1].startsWith(" ") ? nameValue[1] : " " + nameValue[1];
        byte[] field = (nameValue[0] + ":" + value.replace("\n", "\r\n") + "\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] signed = Arrays.copyOf(field, field.length + message.length);
        System.arraycopy(message, 0, signed, field.length, message.length);
        return signed;
    }

    /** The key record genkey wrote for publication, as one TXT value. */
    private static String record() throws Exception {
        List<ZoneFileTxt.Entry> entries = ZoneFileTxt.parse(Files.readString(RECORD));
        assertEquals(1, entries.size(), entries.toString());
        return entries.get(0).value();
    }

    // --- the machine's state ---

    private static Path builtPackage() throws IOException {
        Path target = Path.of(System.getProperty("postseal.jar", "target/postseal.jar")).toAbsolutePath().getParent();
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches("postseal_.*_amd64\\.deb"))
                    .max(Comparator.comparing(f -> f.toFile().lastModified()))
                    .orElseThrow(() -> new AssertionError("no postseal_*_amd64.deb in " + target
                            + ": mvn package builds it"));
        }
    }

    private boolean isInstalled() {
        return !List.of("", "not-installed").contains(status());
    }

    /** dpkg's status of the package: installed, config-files..., or empty when dpkg does not know it. */
    private String status() {
        Commands.Result query = run("dpkg-query", "-W", "-f=${db:Status-Status}", PACKAGE);
        return query.exitCode() == 0 ? query.output().strip() : "";
    }

    /** Every path the package, its scripts or its services could leave behind. */
    private static Set<String> snapshot() throws IOException {
        Set<String> paths = new TreeSet<>();
        for (Path tree : OWN_TREES) {
            paths.addAll(walk(tree, p -> true));
        }
        for (Path tree : SHARED_TREES) {
            paths.addAll(walk(tree, p -> p.getFileName().toString().contains("postseal")));
        }
        return paths;
    }

    private static Set<String> walk(Path tree, java.util.function.Predicate<Path> keep) throws IOException {
        if (!Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.walk(tree)) {
            return files.filter(keep).map(Path::toString).collect(Collectors.toSet());
        }
    }

    /** Removes what this test made as the administrator; never another key. */
    private static void removeTheTestsKeys() throws IOException {
        Files.deleteIfExists(KEY);
        Files.deleteIfExists(RECORD);
        for (Path dir : List.of(KEYS, ETC)) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> entries = Files.list(dir)) {
                    if (entries.findAny().isEmpty()) {
                        Files.delete(dir);
                    }
                }
            }
        }
    }

    private List<String> getent(String database, String key) {
        Commands.Result result = run("getent", database, key);
        assertEquals(0, result.exitCode(), "getent " + database + " " + key);
        return List.of(result.output().strip().split(":", -1));
    }

    private static void assertOwnerAndMode(String path, String owner, String group, String mode) throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(Path.of(path), PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        assertEquals(owner + ":" + group + " " + mode, attributes.owner().getName() + ":"
                + attributes.group().getName() + " " + PosixFilePermissions.toString(attributes.permissions()), path);
    }

    private Commands.Result run(String... command) {
        return Commands.run(List.of(command), Map.of(), new byte[0], scratch, COMMAND_TIMEOUT);
    }
}
