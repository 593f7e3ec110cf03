package org.postseal.bench;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.postseal.dkim.CanonicalizationPair;
import org.postseal.dkim.SignatureSpec;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.PrivateKeyReader;
import org.postseal.milter.MilterServer;
import org.postseal.milter.MilterSessions;
import org.postseal.milter.SigningPort;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;

/**
 * postseal's milter server in a process of its own, with the simplest signing policy, for
 * {@code bin/benchmark-milter} while {@code postseal milter} is not there: clients at 127.0.0.1 (like OpenDKIM's
 * {@code InternalHosts 127.0.0.1}) have every message whose From is in the domain signed with one key,
 * OpenDKIM's default header list with From oversigned. It serves until killed.
 *
 * <pre>
 * java -cp ... org.postseal.bench.BenchMilter --listen 127.0.0.1:PORT --domain example.com --selector sel \
 *     --key sel.private [--canonicalization relaxed/simple]
 * </pre>
 */
public final class BenchMilter {
    private BenchMilter() {
    }

    public static void main(String[] args) throws Exception {
        String listen = null;
        String domain = null;
        String selector = null;
        Path keyFile = null;
        CanonicalizationPair canonicalization = CanonicalizationPair.RELAXED_SIMPLE;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--listen" -> listen = args[i + 1];
                case "--domain" -> domain = args[i + 1];
                case "--selector" -> selector = args[i + 1];
                case "--key" -> keyFile = Path.of(args[i + 1]);
                case "--canonicalization" -> canonicalization = CanonicalizationPair.parse(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (listen == null || domain == null || selector == null || keyFile == null || args.length % 2 != 0) {
            System.err.println("usage: BenchMilter --listen HOST:PORT --domain D --selector S --key FILE"
                    + " [--canonicalization relaxed/simple]");
            System.exit(64);
        }
        SigningKey key = PrivateKeyReader.read(keyFile);
        SignatureSpec spec = SignatureSpec.builder(domain, selector, key).canonicalization(canonicalization).build();
        String suffix = "@" + domain.toLowerCase(java.util.Locale.ROOT);
        InetAddress internal = InetAddress.getByName("127.0.0.1");
        SigningPort policy = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(org.postseal.milter.MessageContext context) {
                boolean inside = context.client().address().map(internal::equals).orElse(false);
                return inside || context.authenticatedAs().isPresent() ? Optional.empty()
                        : Optional.of(SignatureChoice.skip("client " + context.client().describe()
                                + " is not internal"));
            }

            @Override
            public SignatureChoice select(org.postseal.milter.MessageContext context) {
                String from = context.from().orElse("").toLowerCase(java.util.Locale.ROOT);
                int lt = from.lastIndexOf('<');
                String address = lt >= 0 ? from.substring(lt + 1, from.indexOf('>', lt) < 0 ? from.length()
                        : from.indexOf('>', lt)) : from;
                return address.endsWith(suffix) ? SignatureChoice.sign(List.of(spec))
                        : SignatureChoice.skip("From " + address + " not in " + suffix.substring(1));
            }
        };
        int colon = listen.lastIndexOf(':');
        InetSocketAddress address = new InetSocketAddress(listen.substring(0, colon),
                Integer.parseInt(listen.substring(colon + 1)));
        MilterServer server = MilterServer.start(address, MilterSessions.of(policy, OnError.ACCEPT),
                Optional.empty(), Optional.empty());
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "bench-milter-close"));
        System.err.println("BenchMilter: listening on " + listen + ", signing *" + suffix + " with s=" + selector);
        server.awaitClose();
    }
}
