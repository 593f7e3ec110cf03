package org.postseal.logging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.function.Consumer;

/** Datagrams to a syslog daemon's UDP input, from a non-blocking JDK datagram channel. */
final class UdpSink implements DatagramSink {
    private final DatagramChannel channel;
    private final InetSocketAddress target;

    /**
     * @throws IllegalArgumentException if the host name does not resolve
     * @throws UncheckedIOException if no datagram socket can be opened
     */
    UdpSink(SyslogTarget.Udp address) {
        target = new InetSocketAddress(address.host(), address.port());
        if (target.isUnresolved()) {
            throw new IllegalArgumentException("syslog host " + address.host() + ": unknown host");
        }
        try {
            channel = DatagramChannel.open();
            channel.configureBlocking(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a UDP socket for syslog: " + e.getMessage(), e);
        }
    }

    @Override
    public void send(byte[] datagram, Consumer<Throwable> done) {
        try {
            boolean sent = channel.send(ByteBuffer.wrap(datagram), target) > 0;
            done.accept(sent ? null : new IOException("the socket's send buffer is full"));
        } catch (IOException | RuntimeException e) {
            done.accept(e);
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to send
        }
    }
}
