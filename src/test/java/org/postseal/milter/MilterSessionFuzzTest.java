package org.postseal.milter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.nightcode.milter.codec.MilterPacket;
import org.postseal.dkim.SigningKey;
import org.postseal.dkim.VerificationLimits;
import org.postseal.dkim.KeyLookupException;
import org.postseal.dns.KeyRecordSource;
import org.postseal.events.ErrorKind;
import org.postseal.events.KeyLookup;
import org.postseal.events.MailEvents;
import org.postseal.events.MessageNotSigned;
import org.postseal.events.MessageSigned;
import org.postseal.events.MessageVerified;
import org.postseal.keys.KeyRecordText;
import org.postseal.policy.HostList;
import org.postseal.policy.KeyTable;
import org.postseal.policy.SigningPolicy;
import org.postseal.policy.SigningTable;
import org.postseal.policy.VerificationActions;
import org.postseal.signing.OnError;
import org.postseal.signing.SignatureChoice;
import org.postseal.signing.SignatureSelector;
import org.postseal.signing.SignatureTemplate;
import org.postseal.signing.SigningKeys;
import org.postseal.transport.MemoryBudget;

/**
 * Fuzzes a whole milter connection: the byte stream an MTA (or anyone who reaches the socket) writes, through the
 * frame decoder, the command parser (OPTNEG, macros, CONNECT's address families, MAIL, header fields) and the session's
 * state machine, to signing with a real policy and key, and, in a second set-up, to verifying with key records for
 * the signatures it meets. The stream is given once packet by packet, as Postfix sends it (it waits for each reply),
 * and once in a single write, pipelined. In both, nothing ever fails inside postseal (no internal error is counted:
 * every bad input is a protocol error that closes the connection, or a message accepted or tempfailed as configured);
 * no message is signed for a client that is neither in InternalHosts (127.0.0.1) nor authenticated; and the memory
 * held for partial packets is given back when the connection ends.
 */
@Timeout(10)
class MilterSessionFuzzTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
    /** The key of the test resources, so that the verifying sessions of the corpus hold signatures that pass. */
    private static final SigningKey KEY = fixedKey();
    private static final Map<String, String> RECORDS = Map.of(
            "sel._domainkey.example.com", KeyRecordText.of(KEY).value(),
            "ed._domainkey.example.com", KeyRecordText.of(KEY).value(),
            "bad._domainkey.example.com", "v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA");
    private static final int MAX_FRAME = 65536;

    @FuzzTest(maxDuration = "30s")
    void session(byte[] input) {
        List<byte[]> packets = packets(input);
        for (boolean verifying : new boolean[] {false, true}) {
            run(packets, verifying);
            run(List.of(input), verifying);
        }
    }

    private static void run(List<byte[]> chunks, boolean verifying) {
        Events events = new Events();
        MemoryBudget memory = new MemoryBudget(4L * MAX_FRAME);
        EmbeddedChannel channel = new EmbeddedChannel(
                new MilterFrameDecoder(MAX_FRAME, memory, Duration.ofSeconds(30)),
                new MilterChannelHandler(session(verifying, events), events));
        List<MilterPacket> replies = new ArrayList<>();
        for (byte[] chunk : chunks) {
            if (!channel.isOpen()) {
                break;
            }
            channel.writeInbound(Unpooled.wrappedBuffer(chunk));
            channel.runPendingTasks();
            for (Object o; (o = channel.readOutbound()) != null; ) {
                if (o instanceof MilterPacket packet) {
                    replies.add(packet);
                } else {
                    io.netty.util.ReferenceCountUtil.release(o); // the empty buffer flushed before a close
                }
            }
        }
        channel.close();
        channel.runPendingTasks();
        channel.checkException();
        channel.finishAndReleaseAll();
        assertEquals(0, events.internal.get(), () -> "internal errors, replies " + replies);
        assertEquals(List.of(), events.oracle, "signed for a client neither internal nor authenticated");
        assertEquals(0, memory.used(), "partial packets given back");
    }

    private static MilterSession session(boolean verifying, Events events) {
        SigningPolicy policy = SigningPolicy.builder().internalHosts(HostList.of(List.of("127.0.0.1")))
                .tables(KeyTable.of(List.of(new KeyTable.Entry("k", "example.com", "sel", "/keys/k"),
                                new KeyTable.Entry("any", "%", "ed", "/keys/%"))),
                        SigningTable.ofPatterns(List.of(
                                new SigningTable.Entry("*@example.com", "k", Optional.empty()),
                                new SigningTable.Entry("*@*.example.org", "any", Optional.of("@%")))))
                .build();
        SignatureSelector selector = SignatureSelector.byPolicy(policy, SigningKeys.of(path -> KEY),
                SignatureTemplate.DEFAULT);
        SigningPort rules = SigningPort.of(selector);
        SigningPort checked = new SigningPort() {
            @Override
            public Optional<SignatureChoice.Skip> mayClientSign(MessageContext context) {
                return rules.mayClientSign(context);
            }

            @Override
            public SignatureChoice select(MessageContext context) {
                SignatureChoice choice = rules.select(context);
                if (choice instanceof SignatureChoice.Sign && !context.policyClient().isAuthenticated()
                        && !isInternal(context.client())) {
                    events.oracle.add(context.client() + " " + context.authType()); // asserted after the run
                }
                return choice;
            }
        };
        MessageHandling handling = MessageHandling.signingOnly(checked, OnError.ACCEPT);
        if (verifying) {
            handling = handling.withVerification(new VerificationSettings(records(), Optional.empty(),
                    "mta.postseal.test", VerificationActions.DEFAULTS, new VerificationLimits(3, 8192)));
        }
        MessageHandling fixed = handling;
        return new MilterSession(() -> fixed, new org.postseal.dkim.DkimSigner(CLOCK), 8192,
                MilterLimits.DEFAULT_MAX_HEADER_FIELDS, CLOCK, Duration.ofSeconds(30), events);
    }

    private static boolean isInternal(ClientInfo client) {
        return client.address().map(InetAddress::getHostAddress).filter("127.0.0.1"::equals).isPresent()
                || client.hostName().equals("127.0.0.1");
    }

    private static KeyRecordSource records() {
        return KeyRecordSource.of((selector, domain) -> {
            String record = RECORDS.get((selector + "._domainkey." + domain).toLowerCase(java.util.Locale.ROOT));
            if (record == null) {
                throw KeyLookupException.notFound("NXDOMAIN " + selector + "._domainkey." + domain);
            }
            return List.of(record);
        });
    }

    /** The input cut at its packet boundaries (as far as the length prefixes make sense), as Postfix writes it. */
    private static List<byte[]> packets(byte[] input) {
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        while (input.length - at >= 4) {
            long length = ByteBuffer.wrap(input, at, 4).getInt() & 0xffffffffL;
            if (length < 1 || length > MAX_FRAME || at + 4 + length > input.length) {
                break;
            }
            out.add(Arrays.copyOfRange(input, at, at + 4 + (int) length));
            at += 4 + (int) length;
        }
        if (at < input.length) {
            out.add(Arrays.copyOfRange(input, at, input.length));
        }
        return out;
    }

    /** Counts internal errors; hears everything else. */
    private static final class Events implements MailEvents {
        final AtomicInteger internal = new AtomicInteger();
        final List<String> oracle = new ArrayList<>();

        @Override
        public void signed(MessageSigned event) {
        }

        @Override
        public void notSigned(MessageNotSigned event) {
        }

        @Override
        public void verified(MessageVerified event) {
        }

        @Override
        public void error(ErrorKind kind) {
            if (kind == ErrorKind.INTERNAL) {
                internal.incrementAndGet();
            }
        }

        @Override
        public void keyLookup(KeyLookup outcome) {
        }
    }

    private static SigningKey fixedKey() {
        try (java.io.InputStream in = MilterSessionFuzzTest.class.getResourceAsStream("/keys/ed25519-pkcs8.pem")) {
            return org.postseal.keys.PrivateKeyReader.read("ed25519-pkcs8.pem", in.readAllBytes());
        } catch (java.io.IOException | org.postseal.keys.KeyFileException e) {
            throw new IllegalStateException(e);
        }
    }

}
