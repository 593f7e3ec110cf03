package org.postseal.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The syslog appender against real sockets on this machine: a unix datagram socket standing where /dev/log stands,
 * and UDP on a loopback port; and what happens to lines while nobody listens. (SyslogIT does the same through a
 * real rsyslog.)
 */
class SyslogAppenderTest {
    private static final int UDP_PORT = 41110;

    @TempDir
    Path dir;

    private final EventLoopGroup group = new EpollEventLoopGroup(1);
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private SyslogAppender appender;

    @AfterEach
    void stop() {
        if (appender != null) {
            appender.stop();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    private SyslogAppender appender(DatagramSink sink, String where) {
        SyslogFormat format = new SyslogFormat(new SyslogTarget("mail", "postseal",
                new SyslogTarget.Socket(dir)).facilityCode(), "postseal[42]", Optional.empty(), ZoneOffset.UTC);
        appender = new SyslogAppender(format, sink, where);
        appender.setContext(LogEvents.context());
        appender.start();
        return appender;
    }

    private static void log(SyslogAppender appender, Level level, String message) {
        appender.doAppend(LogEvents.event("org.postseal.milter.MilterSession", level, message, null));
    }

    /** A unix datagram socket at {@code path}, as rsyslog's imuxsock makes /dev/log. */
    private Channel listen(Path path) {
        return new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
                        received.add(packet.content().toString(StandardCharsets.UTF_8));
                    }
                }).bind(new DomainSocketAddress(path.toString())).syncUninterruptibly().channel();
    }

    @Test
    void linesReachTheLocalSocket() throws Exception {
        Path socket = dir.resolve("log");
        Channel syslog = listen(socket);
        try {
            SyslogAppender appender = appender(new UnixSocketSink(new SyslogTarget.Socket(socket)),
                    socket.toString());
            log(appender, Level.INFO, "3F2A: signed from=example.org d=example.org s=mail a=rsa-sha256");
            log(appender, Level.WARN, "3F2B: not signed\nforged");
            assertEquals("<22>Mar  3 12:00:00 postseal[42]: 3F2A: signed from=example.org d=example.org s=mail "
                    + "a=rsa-sha256", received.poll(10, TimeUnit.SECONDS));
            assertEquals("<20>Mar  3 12:00:00 postseal[42]: warning: 3F2B: not signed\\nforged",
                    received.poll(10, TimeUnit.SECONDS));
        } finally {
            syslog.close().syncUninterruptibly();
        }
    }

    @Test
    void linesReachAUdpPort() throws Exception {
        try (DatagramChannel syslog = DatagramChannel.open()) {
            syslog.bind(new InetSocketAddress("127.0.0.1", UDP_PORT));
            SyslogAppender appender = appender(new UdpSink(new SyslogTarget.Udp("127.0.0.1", UDP_PORT)),
                    "udp:127.0.0.1:" + UDP_PORT);
            log(appender, Level.INFO, "m7q1: signed from=example.org");
            ByteBuffer buffer = ByteBuffer.allocate(4096);
            syslog.configureBlocking(true);
            assertNotNull(syslog.receive(buffer));
            buffer.flip();
            assertEquals("<22>Mar  3 12:00:00 postseal[42]: m7q1: signed from=example.org",
                    StandardCharsets.UTF_8.decode(buffer).toString());
        }
    }

    /**
     * While no daemon listens, lines go to stderr after one warning; once a daemon makes its socket (as after a
     * restart of rsyslog), lines go to it again, with no reconnection needed.
     */
    @Test
    void withoutADaemonLinesGoToStderrUntilItComesBack() throws Exception {
        Path socket = dir.resolve("later");
        SyslogAppender appender = appender(new UnixSocketSink(new SyslogTarget.Socket(socket)), socket.toString());
        String stderr = stderrOf(3, () -> {
            log(appender, Level.INFO, "Q1: signed from=a.example");
            log(appender, Level.INFO, "Q2: signed from=b.example");
        });
        assertEquals("WARN logging: cannot send to syslog at " + socket + ": " + firstLineCause(stderr)
                + "; lines go to stderr until it takes them again\n"
                + "INFO milter: Q1: signed from=a.example\nINFO milter: Q2: signed from=b.example\n", stderr);

        Channel syslog = listen(socket);
        try {
            String after = stderrOf(1, () -> log(appender, Level.INFO, "Q3: signed from=c.example"));
            assertEquals("<22>Mar  3 12:00:00 postseal[42]: Q3: signed from=c.example",
                    received.poll(10, TimeUnit.SECONDS));
            assertEquals("INFO logging: syslog at " + socket + " takes lines again\n", after);
        } finally {
            syslog.close().syncUninterruptibly();
        }
    }

    /** The cause named in the warning (the kernel's words: no such file, connection refused). */
    private static String firstLineCause(String stderr) {
        String first = stderr.lines().findFirst().orElse("");
        int start = first.indexOf(": ", first.indexOf("cannot send to syslog at ")) + 2;
        int end = first.indexOf("; lines go to stderr");
        assertTrue(start > 1 && end > start, first);
        return first.substring(start, end);
    }

    /**
     * What the appender prints on stderr while {@code action} runs and until {@code lines} lines are there (the
     * sends complete on the syslog thread), or 10 seconds have passed; then a moment more, to see any extra line.
     */
    private static String stderrOf(int lines, Runnable action) throws InterruptedException {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            action.run();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (captured.toString(StandardCharsets.UTF_8).lines().count() < lines
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(200);
        } finally {
            System.setErr(saved);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }
}
