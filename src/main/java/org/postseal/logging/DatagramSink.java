package org.postseal.logging;

import java.io.Closeable;
import java.util.function.Consumer;

/** Where syslog datagrams go: the local socket or UDP. Never blocks: a datagram that cannot go now is refused. */
interface DatagramSink extends Closeable {
    /**
     * Sends one datagram; {@code done} is called, now or later on another thread, with null once it went, or with
     * the reason it did not.
     */
    void send(byte[] datagram, Consumer<Throwable> done);

    @Override
    void close();
}
