package org.postseal.logging;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Datagrams to the local syslog socket ({@code /dev/log}), which is a unix <em>datagram</em> socket: the JDK's
 * unix-domain channels (Java 16+) are stream sockets only, so this uses Netty's epoll transport, which postseal
 * already ships for its own sockets. Each datagram is addressed (sendto), never connected, so a syslog daemon that
 * restarts and makes its socket anew is found again without a reconnect. At most Netty's write-buffer high-water mark
 * (64 KiB) waits while the daemon is slow; past it datagrams are refused rather than queued without bound.
 */
final class UnixSocketSink implements DatagramSink {
    private final EventLoopGroup group;
    private final Channel channel;
    private final DomainSocketAddress target;

    /**
     * @throws IllegalStateException if Netty's epoll transport is not available on this machine
     */
    UnixSocketSink(SyslogTarget.Socket address) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("syslog socket " + address.path() + ": needs Netty's epoll transport "
                    + "(Linux x86_64), unavailable here (" + Epoll.unavailabilityCause() + "); send to syslog over "
                    + "UDP instead");
        }
        target = new DomainSocketAddress(address.path().toString());
        group = new EpollEventLoopGroup(1, new DefaultThreadFactory("postseal-syslog", true));
        channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
                .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
                .handler(new ChannelInboundHandlerAdapter())
                .register().syncUninterruptibly().channel();
    }

    @Override
    public void send(byte[] datagram, Consumer<Throwable> done) {
        if (!channel.isWritable()) {
            done.accept(new IOException("the syslog daemon is not keeping up"));
            return;
        }
        channel.writeAndFlush(new DomainDatagramPacket(Unpooled.wrappedBuffer(datagram), target))
                .addListener(f -> done.accept(f.isSuccess() ? null : f.cause()));
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
}
