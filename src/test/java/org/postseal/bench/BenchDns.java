package org.postseal.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.postseal.dns.PowerDns;
import org.postseal.keys.KeyRecordText;
import org.postseal.keys.PrivateKeyReader;

/**
 * The DNS server of the verification benchmark: a real PowerDNS ({@link PowerDns}) on a free loopback port holding
 * the key record of one private key, with a TTL of an hour so that both milters' caches stay warm for the whole run.
 * It prints {@code port=N} once the record is published and runs until its standard input closes. With
 * {@code --also ADDRESS}, it answers on {@code ADDRESS:53} too (binding it needs root), for OpenDKIM, whose
 * {@code Nameservers} takes no port (and whose {@code ResolverConfiguration} cannot be used under load: libunbound
 * re-reads that file from several threads at once and OpenDKIM dies with "fatal flex scanner internal error").
 *
 * <pre>
 * java -cp ... org.postseal.bench.BenchDns --dir DIR --key sel.private --name sel._domainkey.example.com \
 *     [--also 127.0.0.77]
 * </pre>
 */
public final class BenchDns {
    private static final int TTL_SECONDS = 3600;

    private BenchDns() {
    }

    public static void main(String[] args) throws Exception {
        if ((args.length != 6 && args.length != 8) || !args[0].equals("--dir") || !args[2].equals("--key")
                || !args[4].equals("--name") || (args.length == 8 && !args[6].equals("--also"))) {
            System.err.println("usage: BenchDns --dir DIR --key PRIVATE_KEY --name SELECTOR._domainkey.DOMAIN"
                    + " [--also ADDRESS]");
            System.exit(64);
        }
        List<InetSocketAddress> also = args.length == 8
                ? List.of(new InetSocketAddress(InetAddress.getByName(args[7]), 53)) : List.of();
        String record = KeyRecordText.of(PrivateKeyReader.read(Path.of(args[3]))).value();
        byte[] bytes = record.getBytes(StandardCharsets.US_ASCII);
        List<String> strings = new ArrayList<>();
        for (int start = 0; start < bytes.length; start += 255) {
            strings.add(new String(bytes, start, Math.min(255, bytes.length - start), StandardCharsets.US_ASCII));
        }
        try (PowerDns dns = PowerDns.start(Path.of(args[1]), also)) {
            dns.addTxt(args[5], TTL_SECONDS, strings);
            System.out.println("port=" + dns.port());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the script closes our standard input
            }
        }
    }
}
