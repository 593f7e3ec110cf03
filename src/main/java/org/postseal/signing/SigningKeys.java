package org.postseal.signing;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.postseal.dkim.SigningKey;
import org.postseal.keys.KeyFileException;
import org.postseal.keys.PrivateKeyReader;
import org.postseal.policy.KeySetup;
import org.postseal.policy.KeyTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads private keys with the checks of {@link KeyRules}, for every door: the keys a configuration names are read
 * before serving ({@link #load}), so that a bad one stops start-up; a KeyTable path with {@code %} names a key only
 * when a message comes, and is read then ({@link #get}), with the same checks, and kept.
 */
public final class SigningKeys {
    private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);
    private static final String AT_SIGNING_TIME = "KeyTable key for this message";

    private final Function<String, SigningKey> source;
    private final Map<String, SigningKey> keys = new ConcurrentHashMap<>();

    private SigningKeys(Function<String, SigningKey> source) {
        this.source = source;
    }

    /**
     * Keys taken from {@code source} (a path in, a key out) on first use and kept: keys held in memory, or read
     * by other means than {@link #load}.
     */
    public static SigningKeys of(Function<String, SigningKey> source) {
        return new SigningKeys(Objects.requireNonNull(source, "source"));
    }

    /**
     * Reads every key {@code setup} names: the KeyFile, or each KeyTable entry without {@code %}.
     *
     * @throws UnusableKeyException for the first key that cannot be used, naming where it is configured
     */
    public static SigningKeys load(Optional<KeySetup> setup, KeyRules rules) {
        return load(setup, rules, e -> {
            throw e;
        });
    }

    /**
     * Reads every key {@code setup} names, as {@link #load(Optional, KeyRules)} does, handing each key that cannot be
     * used to {@code unusable} and going on ({@code postseal check} reports them all); such a key is not held.
     */
    public static SigningKeys load(Optional<KeySetup> setup, KeyRules rules,
            Consumer<UnusableKeyException> unusable) {
        SigningKeys loaded = new SigningKeys(file -> read(Path.of(file), AT_SIGNING_TIME, rules));
        if (setup.isPresent() && setup.get() instanceof KeySetup.DomainKey key) {
            loaded.readAtStart(key.keyFile(), "KeyFile", rules, unusable);
        }
        if (setup.isPresent() && setup.get() instanceof KeySetup.Tables tables) {
            for (KeyTable.Entry entry : tables.keyTable().entries()) {
                if (!entry.keyFile().contains(KeyTable.FROM_DOMAIN) && !loaded.keys.containsKey(entry.keyFile())) {
                    loaded.readAtStart(entry.keyFile(), "KeyTable entry " + entry.name(), rules, unusable);
                }
            }
        }
        return loaded;
    }

    private void readAtStart(String file, String origin, KeyRules rules, Consumer<UnusableKeyException> unusable) {
        try {
            keys.put(file, read(Path.of(file), origin, rules));
        } catch (UnusableKeyException e) {
            unusable.accept(e);
        }
    }

    /** The key in {@code file} if it was read and kept, without reading it now. */
    public Optional<SigningKey> held(String file) {
        return Optional.ofNullable(keys.get(file));
    }

    /**
     * The key in {@code file}, read now if it was not at start-up (a KeyTable path with {@code %}).
     *
     * @throws UnusableKeyException if it cannot be used; that message then cannot be signed
     */
    public SigningKey get(String file) {
        return keys.computeIfAbsent(file, source);
    }

    /** The key read from {@code file}, if it has been read; never reads it. */
    public Optional<SigningKey> loaded(String file) {
        return Optional.ofNullable(keys.get(file));
    }

    /** How many keys are held now. */
    public int size() {
        return keys.size();
    }

    /**
     * Reads one key named by a configuration.
     *
     * @param origin where it is configured, for the message ("KeyFile", "KeyTable entry mail"...)
     * @throws UnusableKeyException naming {@code origin}
     */
    public static SigningKey read(Path file, String origin, KeyRules rules) {
        return read(file, Optional.of(origin), rules);
    }

    /**
     * Reads one key named on the command line; the message names the file only.
     *
     * @throws UnusableKeyException if it cannot be used
     */
    public static SigningKey read(Path file, KeyRules rules) {
        return read(file, Optional.empty(), rules);
    }

    private static SigningKey read(Path file, Optional<String> origin, KeyRules rules) {
        String prefix = origin.map(o -> o + ": ").orElse("");
        if (rules.requireSafeKeys()) {
            checkSafe(file, prefix);
        }
        SigningKey key;
        try {
            key = PrivateKeyReader.read(file, Math.max(rules.minimumRsaBits(),
                    PrivateKeyReader.DEFAULT_MINIMUM_RSA_BITS));
        } catch (KeyFileException e) {
            if (!Files.exists(file)) {
                throw new UnusableKeyException(prefix + file + ": " + missing(file));
            }
            throw new UnusableKeyException(prefix + e.getMessage());
        }
        if (rules.algorithm().isPresent() && rules.algorithm().get() != key.algorithm()) {
            if (rules.refuseOtherAlgorithm()) {
                throw new UnusableKeyException(prefix + file + ": holds a key for " + key.algorithm() + ", not "
                        + rules.algorithm().get());
            }
            LOG.warn("{}{} holds a key for {}; it signs with {} whatever SignatureAlgorithm says", prefix, file,
                    key.algorithm(), key.algorithm());
        }
        return key;
    }

    /**
     * RequireSafeKeys: a private key others can read or anyone but its owner can write is refused, as OpenDKIM
     * refuses it (group read is allowed, for a key shared with the group the daemon runs as).
     */
    private static void checkSafe(Path file, String prefix) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.contains(PosixFilePermission.OTHERS_READ)
                    || permissions.contains(PosixFilePermission.OTHERS_WRITE)
                    || permissions.contains(PosixFilePermission.GROUP_WRITE)) {
                throw new UnusableKeyException(prefix + file + " is readable or writable by others (mode "
                        + PosixFilePermissions.toString(permissions) + "); chmod 600 it, or set RequireSafeKeys no");
            }
        } catch (NoSuchFileException e) {
            throw new UnusableKeyException(prefix + file + ": " + missing(file));
        } catch (IOException e) {
            throw new UnusableKeyException(prefix + file + ": " + e.getMessage());
        }
    }

    /** "no such file", naming the first directory on the way that is missing, if one is. */
    private static String missing(Path file) {
        Path absolute = file.toAbsolutePath();
        Path missing = null;
        for (Path dir = absolute.getParent(); dir != null && !Files.isDirectory(dir); dir = dir.getParent()) {
            missing = dir;
        }
        return missing == null ? "no such file" : "no such file (the directory " + missing + " does not exist)";
    }
}
