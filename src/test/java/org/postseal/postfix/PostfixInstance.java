package org.postseal.postfix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real, throwaway Postfix from Debian's {@code postfix} package, for end-to-end milter tests; it never touches
 * the system's default instance ({@code /etc/postfix} and {@code /var/spool/postfix} are neither read nor written,
 * and no {@code main.cf} needs to exist there).
 *
 * <p>{@link #start(Options)} makes a fresh directory {@code /tmp/postseal-postfix-*} (mode 0755, so the
 * {@code postfix} user can enter it) holding the instance's {@code etc/} ({@code main.cf} and {@code master.cf}
 * generated here), {@code queue/}, {@code data/} and {@code maillog}, then runs {@code postfix -c DIR/etc start},
 * which creates the queue directories with the right owners and modes ({@code post-install create-missing}) and
 * checks the instance, before master starts. {@code postfix set-permissions} is deliberately not run: for an
 * instance that the default {@code main.cf} does not list in {@code multi_instance_directories} it would also
 * chown and chmod the shared Postfix programs.
 *
 * <p>The instance:
 * <ul>
 *   <li>listens with smtpd on {@code 127.0.0.1:}{@link #smtpPort()}; {@code mynetworks = 127.0.0.0/8 [::1]/128},
 *       so every loopback client may relay; {@code smtpd_peername_lookup = no}, so a milter sees the client name
 *       {@code [127.0.0.1]} (macro {@code _} = {@code unknown [127.0.0.1]});</li>
 *   <li>relays everything to a sink in this JVM ({@code relayhost = [127.0.0.1]:PORT}, no DNS: numeric next hop,
 *       {@code smtp_dns_support_level = disabled}, {@code smtp_host_lookup = native}); delivers nothing locally
 *       ({@code mydestination} is empty); bounces it makes reach the sink too, with the null sender;</li>
 *   <li>passes mail from smtpd ({@code smtpd_milters}) and from {@code sendmail}/pickup
 *       ({@code non_smtpd_milters}) through the milter of {@link Options}, if any;</li>
 *   <li>logs through {@code postlogd} into {@code maillog_file} inside its directory ({@link #log()}), under a
 *       {@code syslog_name} of its own;</li>
 *   <li>optionally offers SMTP AUTH on a second smtpd, {@link #submissionPort()}, backed by a stand-in for
 *       Dovecot's auth service ({@link Options.Builder#saslUser});</li>
 *   <li>optionally runs more smtpd services on ports of their own, each with its {@code -o} overrides (an smtps port
 *       with {@code smtpd_tls_wrappermode=yes}, a real Dovecot for SASL...), and more {@code master.cf} lines
 *       ({@link Options.Builder#smtpd}, {@link #smtpdPort(String)}, {@link Options.Builder#masterCf}).</li>
 * </ul>
 *
 * <p>{@link #close()} stops Postfix, kills whatever process of the instance is left (found by the
 * {@code MAIL_CONFIG} in its environment, killed by process ID), stops the sink and deletes the directory, unless
 * the system property {@code postseal.postfix.keep} is {@code true}. Instances still open when the JVM exits are
 * closed by a shutdown hook; those of a JVM killed outright are stopped and removed by the next {@link #start} in
 * another JVM (each directory's {@code owner} file names the JVM that made it). Every port and directory is unique, so instances may run side by side, in one test or
 * in parallel test classes.
 *
 * <p>Requires root (see {@link PostfixPrograms#require()}).
 */
public final class PostfixInstance implements AutoCloseable {
    /** {@code myhostname} of every instance. */
    public static final String HOSTNAME = "mta.postseal.test";
    /** How long one Postfix command ({@code postfix start}, {@code sendmail}...) may run. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);
    /** How long a submission waits for each SMTP reply (the end of DATA waits for the milter). */
    public static final Duration REPLY_TIMEOUT = Duration.ofSeconds(120);

    private static final Path TMP = Path.of("/tmp");
    private static final String KEEP_PROPERTY = "postseal.postfix.keep";
    private static final int START_ATTEMPTS = 5;
    private static final Duration STOP_GRACE = Duration.ofSeconds(10);
    private static final Pattern FATAL = Pattern.compile("(?m)^.*\\b(fatal|panic): .*$");
    private static final Set<PostfixInstance> OPEN = ConcurrentHashMap.newKeySet();
    private static final String DIRECTORY_PREFIX = "postseal-postfix-";
    private static final String OWNER_FILE = "owner";
    private static final AtomicBoolean REAPED = new AtomicBoolean();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(
                () -> List.copyOf(OPEN).forEach(PostfixInstance::close), "postfix-instances-close"));
    }

    private final Options options;
    private Path directory;
    private Path configDirectory;
    private Path scratch;
    private Path logFile;
    private String syslogName;
    private int smtpPort;
    private int submissionPort;
    private final Map<String, Integer> smtpdPorts = new LinkedHashMap<>();
    private SmtpSink sink;
    private DovecotAuthServer auth;
    private boolean closed;

    private PostfixInstance(Options options) {
        this.options = options;
    }

    /**
     * Makes, configures and starts a new instance. A port taken between choosing it and Postfix binding it is
     * retried with another.
     *
     * @throws IllegalStateException if Postfix does not start; the message carries its output and log
     * @throws org.opentest4j.TestAbortedException if Postfix cannot run here and {@code CI} is not {@code true}
     */
    public static PostfixInstance start(Options options) {
        Objects.requireNonNull(options, "options");
        PostfixPrograms.require();
        if (REAPED.compareAndSet(false, true)) {
            reapAbandoned();
        }
        for (int attempt = 1; ; attempt++) {
            PostfixInstance instance = new PostfixInstance(options);
            OPEN.add(instance);
            try {
                instance.prepare();
                instance.startPostfix();
                return instance;
            } catch (RuntimeException | Error e) {
                String log = instance.log();
                instance.close();
                if (attempt >= START_ATTEMPTS || !log.contains("Address already in use")) {
                    throw e;
                }
            }
        }
    }

    /** The instance's directory, holding {@code etc/}, {@code queue/}, {@code data/} and {@code maillog}. */
    public Path directory() {
        return directory;
    }

    /** The {@code config_directory}, for {@code postfix -c} or {@code MAIL_CONFIG}. */
    public Path configDirectory() {
        return configDirectory;
    }

    /** The {@code syslog_name} that prefixes this instance's log lines. */
    public String syslogName() {
        return syslogName;
    }

    /** The port smtpd listens on, on 127.0.0.1. */
    public int smtpPort() {
        return smtpPort;
    }

    /** The port of the SMTP AUTH smtpd on 127.0.0.1, if {@link Options} asked for one. */
    public Optional<Integer> submissionPort() {
        return submissionPort == 0 ? Optional.empty() : Optional.of(submissionPort);
    }

    /**
     * The port of the extra smtpd called {@code name} ({@link Options.Builder#smtpd}), on 127.0.0.1.
     *
     * @throws IllegalArgumentException if {@link Options} has no such smtpd
     */
    public int smtpdPort(String name) {
        Integer port = smtpdPorts.get(name);
        if (port == null) {
            throw new IllegalArgumentException("smtpd: " + name + " (expected one of " + smtpdPorts.keySet() + ")");
        }
        return port;
    }

    /** The port of the sink Postfix relays to, on 127.0.0.1. */
    public int sinkPort() {
        return sink.port();
    }

    /**
     * Submits {@code message} over SMTP to this instance's smtpd, from {@code clientAddress}, so that it takes the
     * {@code smtpd_milters} path. Bytes are sent as given, dot-stuffed, with CRLF added at the end if missing; a
     * message with 8-bit bytes is sent with {@code BODY=8BITMIME}. Postfix adds {@code Message-ID:} and
     * {@code Date:} when missing only for clients in {@code local_header_rewrite_clients} (by default: 127.0.0.1).
     *
     * @param mailFrom the envelope sender without angle brackets; empty for the null sender
     * @param clientAddress the loopback address to connect from, e.g. {@code 127.0.0.1} or {@code 127.0.0.2}
     * @return the queue ID Postfix gave the message
     * @throws SmtpReplyException if Postfix refuses a step, e.g. the milter rejects the message
     */
    public String sendSmtp(String mailFrom, List<String> rcpts, byte[] message, String clientAddress) {
        return SmtpClient.send(new InetSocketAddress(loopback("127.0.0.1"), smtpPort), loopbackText(clientAddress),
                Optional.empty(), mailFrom, rcpts, message, REPLY_TIMEOUT);
    }

    /**
     * As {@link #sendSmtp}, but to the SMTP AUTH smtpd, authenticating with {@code AUTH PLAIN} first: the milter
     * then sees the {@code {auth_type}} and {@code {auth_authen}} macros.
     *
     * @throws IllegalStateException if {@link Options} gave no SASL user
     * @throws SmtpReplyException if Postfix refuses a step, e.g. the password ({@code 535})
     */
    public String sendAuthenticated(String user, String password, String mailFrom, List<String> rcpts,
            byte[] message, String clientAddress) {
        if (submissionPort == 0) {
            throw new IllegalStateException("no SMTP AUTH service (expected: Options.Builder.saslUser)");
        }
        return SmtpClient.send(new InetSocketAddress(loopback("127.0.0.1"), submissionPort),
                loopbackText(clientAddress), Optional.of(new SmtpClient.Credentials(user, password)), mailFrom,
                rcpts, message, REPLY_TIMEOUT);
    }

    /** Submits {@code message} with {@code sendmail -t -i}; see {@link #sendmail(byte[], String...)}. */
    public void sendmail(byte[] message) {
        sendmail(message, "-t", "-i");
    }

    /**
     * Submits {@code message} with Postfix's own {@code /usr/sbin/sendmail}, so that it takes the
     * {@code non_smtpd_milters} path: sendmail hands it to {@code postdrop}, which writes it into this instance's
     * {@code maildrop}; {@code pickup} reads it and {@code cleanup} shows it to the milter. {@code MAIL_CONFIG}
     * names this instance: Postfix's privileged programs trust it without {@code alternate_config_directories}
     * because the caller is root. The sender is {@code root@}{@value #HOSTNAME} unless {@code args} has
     * {@code -f}. Returns once the message is in the queue; delivery happens later.
     *
     * @param args sendmail's arguments, for example {@code -t -i -f alice@example.com}
     * @throws IllegalStateException if sendmail fails; the message carries its output
     */
    public void sendmail(byte[] message, String... args) {
        List<String> command = new ArrayList<>();
        command.add(PostfixPrograms.SENDMAIL.toString());
        command.addAll(Arrays.asList(args));
        Commands.run(command, environment(), message, scratch, COMMAND_TIMEOUT).requireSuccess();
    }

    /**
     * The next {@code count} messages the sink received that no earlier call returned, in the order their
     * delivery ended, waiting up to {@code timeout} for them.
     *
     * @throws AssertionError if fewer arrived in time; the message carries the queue and Postfix's log
     */
    public List<DeliveredMessage> awaitDelivered(int count, Duration timeout) {
        if (count < 1) {
            throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
        }
        try {
            return sink.take(count, timeout).orElseThrow(() -> new AssertionError(
                    count + " delivered message(s) expected within " + timeout + "; the sink has "
                            + sink.delivered().size() + " in all" + diagnostics()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for delivery", e);
        }
    }

    /** Every message the sink received so far, including those {@link #awaitDelivered} returned. */
    public List<DeliveredMessage> delivered() {
        return sink.delivered();
    }

    /** Everything Postfix logged so far (its {@code maillog_file}); empty before it logged anything. */
    public String log() {
        if (logFile == null) {
            return "";
        }
        try {
            return new String(Files.readAllBytes(logFile), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The first log line matching {@code pattern}, waiting up to {@code timeout} for Postfix to write it.
     *
     * @throws AssertionError if none appeared in time; the message carries the log
     */
    public String awaitLog(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : log().split("\n")) {
                if (pattern.matcher(line).find()) {
                    return line;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no log line matching " + pattern + " within " + timeout + diagnostics());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the log", e);
            }
        }
    }

    /** The queue as {@code postqueue -p} lists it: what is still waiting, and why. */
    public String queue() {
        return Commands.run(List.of("/usr/sbin/postqueue", "-c", configDirectory.toString(), "-p"), environment(),
                new byte[0], scratch, COMMAND_TIMEOUT).output();
    }

    /**
     * Stops Postfix, kills any of its processes still running, stops the sink and deletes the directory. Safe to
     * call more than once.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            if (configDirectory != null && Files.exists(configDirectory.resolve("main.cf"))) {
                // exits 1 when master is not running; leftovers are handled below either way
                postfix("stop");
            }
        } catch (RuntimeException e) {
            // killed below
        } finally {
            stopLeftovers();
            if (sink != null) {
                sink.close();
            }
            if (auth != null) {
                auth.close();
            }
            if (directory != null) {
                if (Boolean.getBoolean(KEEP_PROPERTY)) {
                    System.err.println("PostfixInstance: kept " + directory + " (" + KEEP_PROPERTY + "=true)");
                } else {
                    deleteTree(directory);
                }
            }
            OPEN.remove(this);
        }
    }

    @Override
    public String toString() {
        return "PostfixInstance{" + configDirectory + ", smtpd 127.0.0.1:" + smtpPort + ", sink 127.0.0.1:"
                + (sink == null ? "-" : sink.port()) + "}";
    }

    private void prepare() {
        try {
            directory = Files.createTempDirectory(TMP, DIRECTORY_PREFIX);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.writeString(directory.resolve(OWNER_FILE), owner(ProcessHandle.current()), StandardCharsets.UTF_8);
            configDirectory = Files.createDirectory(directory.resolve("etc"));
            Files.setPosixFilePermissions(configDirectory, PosixFilePermissions.fromString("rwxr-xr-x"));
            // postfix-script enters queue_directory before it creates the rest; data/ it creates itself
            Path queue = Files.createDirectory(directory.resolve("queue"));
            Files.setPosixFilePermissions(queue, PosixFilePermissions.fromString("rwxr-xr-x"));
            scratch = Files.createDirectory(directory.resolve("scratch"));
            logFile = directory.resolve("maillog");
            syslogName = "postseal-" + directory.getFileName().toString().substring(DIRECTORY_PREFIX.length());
            sink = SmtpSink.start();
            smtpPort = freePort();
            if (!options.saslUsers().isEmpty()) {
                auth = DovecotAuthServer.start(options.saslUsers());
                submissionPort = freePort();
            }
            for (String name : options.smtpds().keySet()) {
                smtpdPorts.put(name, freePort());
            }
            Files.writeString(configDirectory.resolve("main.cf"), mainCf(), StandardCharsets.UTF_8);
            Files.writeString(configDirectory.resolve("master.cf"), masterCf(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startPostfix() {
        Commands.Result result = postfix("start");
        String log = log();
        Matcher fatal = FATAL.matcher(log);
        if (result.exitCode() != 0 || fatal.find()) {
            throw new IllegalStateException("postfix -c " + configDirectory + " start exited " + result.exitCode()
                    + ":\n" + result.output() + "\nPostfix log:\n" + log);
        }
    }

    private String mainCf() {
        List<String> lines = new ArrayList<>(List.of(
                "# A throwaway instance made by " + PostfixInstance.class.getName() + " for a test.",
                "compatibility_level = 3.6",
                "config_directory = " + configDirectory,
                "queue_directory = " + directory.resolve("queue"),
                "data_directory = " + directory.resolve("data"),
                "mail_owner = postfix",
                "setgid_group = postdrop",
                "syslog_name = " + syslogName,
                "maillog_file = " + logFile,
                "maillog_file_prefixes = " + directory,
                "myhostname = " + HOSTNAME,
                "mydomain = postseal.test",
                "myorigin = $myhostname",
                "mydestination =",
                "local_transport = error:5.1.1 no local delivery in a test instance",
                "alias_maps =",
                "alias_database =",
                "biff = no",
                "inet_interfaces = 127.0.0.1",
                "inet_protocols = ipv4",
                "mynetworks = 127.0.0.0/8 [::1]/128",
                "relayhost = [127.0.0.1]:" + sink.port(),
                "smtp_dns_support_level = disabled",
                "smtp_host_lookup = native",
                "lmtp_host_lookup = native",
                "smtpd_peername_lookup = no",
                "queue_run_delay = 1s",
                "minimal_backoff_time = 1s",
                "maximal_backoff_time = 2s",
                "delay_warning_time = 0",
                "milter_connect_timeout = 10s",
                "milter_command_timeout = 10s",
                "milter_content_timeout = 30s",
                "milter_protocol = " + options.milterProtocol(),
                "milter_default_action = " + options.milterDefaultAction().value()));
        String milter = options.milter().orElse("");
        lines.add("smtpd_milters = " + milter);
        lines.add("non_smtpd_milters = " + milter);
        if (!options.mainCf().isEmpty()) {
            lines.add("# from Options.Builder.mainCf; a later line overrides an earlier one");
            lines.addAll(options.mainCf());
        }
        return String.join("\n", lines) + "\n";
    }

    private String masterCf() {
        StringBuilder master = new StringBuilder()
                .append("# service type  private unpriv chroot wakeup maxproc command\n")
                .append("127.0.0.1:").append(smtpPort).append(" inet n - n - - smtpd\n");
        if (auth != null) {
            master.append("127.0.0.1:").append(submissionPort).append(" inet n - n - - smtpd\n")
                    .append("  -o syslog_name=").append(syslogName).append("/submission\n")
                    .append("  -o smtpd_sasl_auth_enable=yes\n")
                    .append("  -o smtpd_sasl_type=dovecot\n")
                    .append("  -o smtpd_sasl_path=").append(auth.path()).append('\n')
                    .append("  -o smtpd_sasl_security_options=noanonymous\n")
                    .append("  -o smtpd_client_restrictions=permit_sasl_authenticated,reject\n");
        }
        for (Map.Entry<String, List<String>> smtpd : options.smtpds().entrySet()) {
            master.append("127.0.0.1:").append(smtpdPorts.get(smtpd.getKey())).append(" inet n - n - - smtpd\n")
                    .append("  -o syslog_name=").append(syslogName).append('/').append(smtpd.getKey()).append('\n');
            for (String override : smtpd.getValue()) {
                master.append("  -o ").append(override).append('\n');
            }
        }
        for (String line : options.masterCf()) {
            master.append(line).append('\n');
        }
        for (String service : List.of(
                "pickup unix n - n 60 1 pickup",
                "cleanup unix n - n - 0 cleanup",
                "qmgr unix n - n 300 1 qmgr",
                "rewrite unix - - n - - trivial-rewrite",
                "bounce unix - - n - 0 bounce",
                "defer unix - - n - 0 bounce",
                "trace unix - - n - 0 bounce",
                "verify unix - - n - 1 verify",
                "flush unix n - n 1000? 0 flush",
                "proxymap unix - - n - - proxymap",
                "proxywrite unix - - n - 1 proxymap",
                "smtp unix - - n - - smtp",
                "relay unix - - n - - smtp",
                "showq unix n - n - - showq",
                "error unix - - n - - error",
                "retry unix - - n - - error",
                "discard unix - - n - - discard",
                "anvil unix - - n - 1 anvil",
                "scache unix - - n - 1 scache",
                "postlog unix-dgram n - n - 1 postlogd")) {
            master.append(service).append('\n');
        }
        return master.toString();
    }

    private Commands.Result postfix(String command) {
        return Commands.run(List.of(PostfixPrograms.POSTFIX.toString(), "-c", configDirectory.toString(), command),
                environment(), new byte[0], scratch, COMMAND_TIMEOUT);
    }

    private Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("MAIL_CONFIG", configDirectory.toString());
        environment.put("LANG", "C");
        return environment;
    }

    private String diagnostics() {
        StringBuilder text = new StringBuilder();
        List<String> failures = sink.failures();
        if (!failures.isEmpty()) {
            text.append("\nsink failures:\n").append(String.join("\n", failures));
        }
        try {
            text.append("\npostqueue -p:\n").append(queue());
        } catch (RuntimeException e) {
            text.append("\npostqueue -p failed: ").append(e.getMessage());
        }
        return text.append("\nPostfix log (").append(logFile).append("):\n").append(log()).toString();
    }

    /**
     * Stops and deletes the instances a JVM that is gone left behind (killed before its {@link #close()} or
     * shutdown hook ran): directories {@code /tmp/postseal-postfix-*} whose {@code owner} file names a process that
     * no longer runs. Instances of live JVMs, this one's included, are left alone.
     */
    private static void reapAbandoned() {
        List<Path> abandoned;
        try (Stream<Path> directories = Files.list(TMP)) {
            abandoned = directories
                    .filter(directory -> directory.getFileName().toString().matches(DIRECTORY_PREFIX + "\\d+"))
                    .filter(directory -> Files.isRegularFile(directory.resolve(OWNER_FILE)))
                    .filter(directory -> !ownerRuns(directory.resolve(OWNER_FILE)))
                    .collect(Collectors.toList());
        } catch (IOException e) {
            return;
        }
        for (Path directory : abandoned) {
            System.err.println("PostfixInstance: stopping and removing abandoned " + directory);
            PostfixInstance instance = new PostfixInstance(Options.withoutMilter());
            instance.directory = directory;
            instance.configDirectory = directory.resolve("etc");
            instance.scratch = directory.resolve("scratch");
            instance.close();
        }
    }

    /** The process ID and start time of {@code process}, which together name it even after its ID is reused. */
    private static String owner(ProcessHandle process) {
        return process.pid() + " " + process.info().startInstant().map(Object::toString).orElse("?") + "\n";
    }

    private static boolean ownerRuns(Path ownerFile) {
        try {
            String owner = Files.readString(ownerFile, StandardCharsets.UTF_8);
            long pid = Long.parseLong(owner.split(" ", 2)[0]);
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(PostfixInstance::owner)
                    .map(running -> running.equals(owner) || running.contains(" ?"))
                    .orElse(false);
        } catch (IOException | RuntimeException e) {
            return true; // unreadable: better left alone
        }
    }

    /** Waits for the instance's processes to end, then kills those left, each by its process ID. */
    private void stopLeftovers() {
        if (configDirectory == null) {
            return;
        }
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        List<ProcessHandle> left;
        while (!(left = instanceProcesses()).isEmpty() && System.nanoTime() - deadline < 0) {
            pause(100);
        }
        if (!left.isEmpty()) {
            System.err.println("PostfixInstance: killing leftover processes of " + configDirectory + ": "
                    + left.stream().map(process -> process.pid() + " " + process.info().command().orElse("?"))
                            .collect(Collectors.joining(", ")));
            left.forEach(ProcessHandle::destroyForcibly);
            for (int i = 0; i < 50 && !instanceProcesses().isEmpty(); i++) {
                pause(100);
            }
        }
    }

    /** Live processes whose environment has this instance's {@code MAIL_CONFIG}: master and its children. */
    private List<ProcessHandle> instanceProcesses() {
        byte[] marker = ("MAIL_CONFIG=" + configDirectory).getBytes(StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        try (Stream<ProcessHandle> processes = ProcessHandle.allProcesses()) {
            return processes
                    .filter(process -> process.pid() != self && process.isAlive())
                    .filter(process -> hasEnvironmentEntry(process.pid(), marker))
                    .collect(Collectors.toList());
        }
    }

    private static boolean hasEnvironmentEntry(long pid, byte[] entry) {
        byte[] environ;
        try {
            environ = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
        } catch (IOException e) {
            return false;
        }
        int start = 0;
        for (int i = 0; i <= environ.length; i++) {
            if (i == environ.length || environ[i] == 0) {
                if (i - start == entry.length && Arrays.equals(environ, start, i, entry, 0, entry.length)) {
                    return true;
                }
                start = i + 1;
            }
        }
        return false;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            System.err.println("PostfixInstance: cannot delete " + root + ": " + e);
        }
    }

    /**
     * A free TCP port on 127.0.0.1 at the time of asking, for anything a test starts on loopback (fixed ports
     * collide with other tests and with other connections' ports in CI); {@link #start} retries if it is taken
     * meanwhile. Ask just before starting what listens on it.
     */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, loopback("127.0.0.1"))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InetAddress loopback(String address) {
        try {
            InetAddress parsed = InetAddress.getByName(address);
            if (!parsed.isLoopbackAddress()) {
                throw new IllegalArgumentException(
                        "clientAddress: " + address + " (expected: a loopback address such as 127.0.0.2)");
            }
            return parsed;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("clientAddress: " + address + " (expected: an IP address)", e);
        }
    }

    private static String loopbackText(String address) {
        return loopback(address).getHostAddress();
    }

    /** What Postfix does with a message when the milter cannot be reached or fails ({@code milter_default_action}). */
    public enum MilterDefaultAction {
        /** Go on as if there were no milter. */
        ACCEPT("accept"),
        /** Reject the message permanently. */
        REJECT("reject"),
        /** Reject the message temporarily (Postfix's default). */
        TEMPFAIL("tempfail"),
        /** Accept the message and put it on hold. */
        QUARANTINE("quarantine");

        private final String value;

        MilterDefaultAction(String value) {
            this.value = value;
        }

        /** The {@code main.cf} value. */
        public String value() {
            return value;
        }
    }

    /** How to configure an instance; made with {@link #builder()}. */
    public static final class Options {
        private final Optional<String> milter;
        private final int milterProtocol;
        private final MilterDefaultAction milterDefaultAction;
        private final List<String> mainCf;
        private final Map<String, String> saslUsers;
        private final Map<String, List<String>> smtpds;
        private final List<String> masterCf;

        private Options(Builder builder) {
            this.milter = Optional.ofNullable(builder.milter);
            this.milterProtocol = builder.milterProtocol == 0 ? 6 : builder.milterProtocol;
            this.milterDefaultAction = builder.milterDefaultAction == null
                    ? MilterDefaultAction.TEMPFAIL : builder.milterDefaultAction;
            this.mainCf = List.copyOf(builder.mainCf);
            this.saslUsers = Map.copyOf(builder.saslUsers);
            Map<String, List<String>> smtpds = new LinkedHashMap<>();
            builder.smtpds.forEach((name, overrides) -> smtpds.put(name, List.copyOf(overrides)));
            this.smtpds = java.util.Collections.unmodifiableMap(smtpds);
            this.masterCf = List.copyOf(builder.masterCf);
        }

        /** A builder with Postfix's defaults: no milter, protocol 6, {@code tempfail}, no SMTP AUTH. */
        public static Builder builder() {
            return new Builder();
        }

        /** An instance without milter: {@code builder().build()}. */
        public static Options withoutMilter() {
            return builder().build();
        }

        /** The milter for {@code smtpd_milters} and {@code non_smtpd_milters}, if any. */
        public Optional<String> milter() {
            return milter;
        }

        /** {@code milter_protocol}: 2, 3, 4 or 6. */
        public int milterProtocol() {
            return milterProtocol;
        }

        /** {@code milter_default_action}. */
        public MilterDefaultAction milterDefaultAction() {
            return milterDefaultAction;
        }

        /** Extra {@code main.cf} lines, written last. */
        public List<String> mainCf() {
            return mainCf;
        }

        /** SMTP AUTH users and their passwords; empty for no SMTP AUTH service. */
        public Map<String, String> saslUsers() {
            return saslUsers;
        }

        /** Extra smtpd services by name, each with its {@code -o name=value} overrides, in the order added. */
        public Map<String, List<String>> smtpds() {
            return smtpds;
        }

        /** Extra {@code master.cf} lines, written after the generated services. */
        public List<String> masterCf() {
            return masterCf;
        }

        @Override
        public String toString() {
            return "Options{milter=" + milter.orElse("none") + ", milter_protocol=" + milterProtocol
                    + ", milter_default_action=" + milterDefaultAction.value() + ", mainCf=" + mainCf
                    + ", saslUsers=" + saslUsers.keySet()
                    + (smtpds.isEmpty() ? "" : ", smtpds=" + smtpds)
                    + (masterCf.isEmpty() ? "" : ", masterCf=" + masterCf) + "}";
        }

        /** Builds {@link Options}; each setting may be made once. */
        public static final class Builder {
            private static final Pattern MILTER = Pattern.compile("(inet:[^\\s,{}]+:\\d+|unix:/[^\\s,{}]+)");
            private static final Pattern MAIN_CF_LINE = Pattern.compile("[a-z0-9_]+ *= *[^\\r\\n]*");
            private static final Set<Integer> PROTOCOLS = Set.of(2, 3, 4, 6);

            private String milter;
            private int milterProtocol;
            private MilterDefaultAction milterDefaultAction;
            private final List<String> mainCf = new ArrayList<>();
            private final Map<String, String> saslUsers = new LinkedHashMap<>();
            private final Map<String, List<String>> smtpds = new LinkedHashMap<>();
            private final List<String> masterCf = new ArrayList<>();

            private Builder() {
            }

            /**
             * The milter both smtpd and cleanup (for sendmail) talk to. A unix socket must be reachable by the
             * {@code postfix} user.
             *
             * @param address {@code inet:127.0.0.1:PORT} or {@code unix:/path}
             * @throws IllegalArgumentException if {@code address} is neither
             * @throws IllegalStateException if the milter was set already
             */
            public Builder milter(String address) {
                Objects.requireNonNull(address, "address");
                if (milter != null) {
                    throw new IllegalStateException("milter: already set to " + milter);
                }
                if (!MILTER.matcher(address).matches()) {
                    throw new IllegalArgumentException(
                            "milter: " + address + " (expected: inet:HOST:PORT or unix:/PATH)");
                }
                milter = address;
                return this;
            }

            /**
             * The milter protocol version Postfix offers.
             *
             * @throws IllegalArgumentException if {@code version} is not 2, 3, 4 or 6
             * @throws IllegalStateException if it was set already
             */
            public Builder milterProtocol(int version) {
                if (milterProtocol != 0) {
                    throw new IllegalStateException("milterProtocol: already set to " + milterProtocol);
                }
                if (!PROTOCOLS.contains(version)) {
                    throw new IllegalArgumentException("milterProtocol: " + version + " (expected: 2, 3, 4 or 6)");
                }
                milterProtocol = version;
                return this;
            }

            /**
             * What Postfix does when the milter is unreachable or misbehaves.
             *
             * @throws IllegalStateException if it was set already
             */
            public Builder milterDefaultAction(MilterDefaultAction action) {
                Objects.requireNonNull(action, "action");
                if (milterDefaultAction != null) {
                    throw new IllegalStateException("milterDefaultAction: already set to " + milterDefaultAction);
                }
                milterDefaultAction = action;
                return this;
            }

            /**
             * One more {@code main.cf} line, written after the generated ones (so it overrides them), for example
             * {@code "non_smtpd_milters ="} or {@code "milter_end_of_data_macros = i {auth_authen}"}.
             *
             * @throws IllegalArgumentException if {@code line} is not one {@code name = value} line
             */
            public Builder mainCf(String line) {
                Objects.requireNonNull(line, "line");
                if (!MAIN_CF_LINE.matcher(line).matches()) {
                    throw new IllegalArgumentException("mainCf: " + line + " (expected: one line, name = value)");
                }
                mainCf.add(line);
                return this;
            }

            /**
             * Adds an SMTP AUTH user; with at least one, the instance runs a second smtpd that offers AUTH PLAIN
             * ({@link PostfixInstance#submissionPort()}, {@link PostfixInstance#sendAuthenticated}).
             *
             * @throws IllegalArgumentException if {@code user} is empty or either has a tab, NUL or line break
             * @throws IllegalStateException if {@code user} was added already
             */
            public Builder saslUser(String user, String password) {
                Objects.requireNonNull(user, "user");
                Objects.requireNonNull(password, "password");
                if (user.isEmpty() || !(user + password).chars().noneMatch(c -> c == '\t' || c == 0 || c == '\n'
                        || c == '\r')) {
                    throw new IllegalArgumentException("saslUser: " + user
                            + " (expected: a non-empty name, no tab, NUL or line break in name or password)");
                }
                if (saslUsers.containsKey(user)) {
                    throw new IllegalStateException("saslUser: " + user + " already added");
                }
                saslUsers.put(user, password);
                return this;
            }

            /**
             * One more smtpd on a free port of 127.0.0.1 ({@link PostfixInstance#smtpdPort(String)}), logging as
             * {@code SYSLOG_NAME/name}, with {@code -o} overrides such as {@code smtpd_tls_wrappermode=yes} (an
             * smtps port) or {@code smtpd_sasl_auth_enable=yes}.
             *
             * @param name letters, digits and {@code -}
             * @param overrides {@code name=value} each, without spaces
             * @throws IllegalArgumentException if the name or an override is malformed
             * @throws IllegalStateException if an smtpd of that name was added already
             */
            public Builder smtpd(String name, String... overrides) {
                Objects.requireNonNull(name, "name");
                if (!name.matches("[A-Za-z0-9-]+")) {
                    throw new IllegalArgumentException("smtpd: " + name + " (expected: letters, digits and -)");
                }
                if (smtpds.containsKey(name)) {
                    throw new IllegalStateException("smtpd: " + name + " already added");
                }
                for (String override : overrides) {
                    if (!override.matches("[a-z0-9_]+=[^\\s]*")) {
                        throw new IllegalArgumentException("smtpd override: " + override
                                + " (expected: name=value without spaces)");
                    }
                }
                smtpds.put(name, List.of(overrides));
                return this;
            }

            /**
             * One more {@code master.cf} line, written after the generated services, for example
             * {@code "tlsmgr unix - - n 1000? 1 tlsmgr"}.
             *
             * @throws IllegalArgumentException if {@code line} has a line break
             */
            public Builder masterCf(String line) {
                Objects.requireNonNull(line, "line");
                if (line.contains("\n") || line.contains("\r")) {
                    throw new IllegalArgumentException("masterCf: " + line + " (expected: one line)");
                }
                masterCf.add(line);
                return this;
            }

            /** The options. */
            public Options build() {
                return new Options(this);
            }
        }
    }
}
