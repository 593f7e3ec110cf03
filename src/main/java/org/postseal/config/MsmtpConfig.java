package org.postseal.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An msmtp configuration file ({@code ~/.msmtprc}, {@code /etc/msmtprc}), read as msmtp 1.8.23 reads it, so that the
 * file msmtp uses today works unchanged in postseal.
 *
 * <p>The syntax, checked against the real msmtp:
 * <ul>
 *   <li>Empty lines, and lines whose first non-blank character is {@code #}, are skipped; a {@code #} later in a line
 *       is part of the argument. A line may be 499 bytes long at most (msmtp's buffer).
 *   <li>The command runs to the first space or tab and is matched with case; the argument is the rest of the line
 *       without surrounding blanks, and without one pair of double quotes when it begins and ends with one.
 *       There are no escapes: {@code "a\"b"} is {@code a\"b}, as for msmtp.
 *   <li>A command that takes {@code on} treats an empty argument as {@code on}; file names beginning with
 *       {@code ~} have that character replaced by the home directory ({@code user.home}).
 *   <li>{@code defaults} starts settings copied into every account defined after it in the file; {@code account
 *       NAME} starts an account with the defaults in force; {@code account NAME : A,B} also copies every setting
 *       that accounts A, then B, have (their own and those they inherited); {@code account default : NAME} thus makes
 *       a copy of NAME the default account. Settings written before any {@code account} or {@code defaults} make an
 *       account named {@code default} (msmtp's compatibility with version 1.2).
 *   <li>{@code eval CMD} runs the command when the file is read and reads the first line it prints in place of the
 *       {@code eval} line.
 * </ul>
 *
 * <p>A line msmtp would refuse (a missing or malformed argument, an account defined twice, inheriting from an
 * account not defined yet...) is a {@link ConfigException} naming the file, the line and the reason. Unlike msmtp, an
 * unknown command is not an error: it adds a warning. So does every line of a command postseal reads but does not
 * use ({@code set_from_header}, {@code dsn_notify}, {@code tls_priorities}...), with the reason. Commands whose loss
 * would send mail another way ({@code socket}, {@code proxy_host}, client certificates, {@code tls_host_override}),
 * and values postseal cannot honour ({@code auth cram-md5}, {@code protocol lmtp}), are refused when the account is
 * used ({@link MsmtpAccount#toEndpoint()}), so that another account of the same file may still be used.
 *
 * <p>As msmtp does, a file holding a {@code password} command must not be readable by anyone but its owner, who must
 * be the user reading it: mode {@code 0600} or {@code 0400}. msmtp 1.8.23 skips this check when run by root; postseal
 * does not skip the mode check (it does skip the owner check for root).
 */
public final class MsmtpConfig {
    /** The account msmtp uses when none is named. */
    public static final String DEFAULT_ACCOUNT = "default";

    private final Path file;
    private final Map<String, MsmtpAccount> accounts;

    MsmtpConfig(Path file, List<MsmtpAccount> accounts) {
        this.file = Objects.requireNonNull(file, "file");
        Map<String, MsmtpAccount> byName = new LinkedHashMap<>();
        for (MsmtpAccount account : accounts) {
            byName.put(account.name(), account);
        }
        this.accounts = byName;
    }

    /**
     * Reads an msmtp configuration file.
     *
     * @param file the file; relative names in it are relative to the working directory, as for msmtp
     * @param warnings collects a line for each unknown command and each command postseal does not use
     * @throws ConfigException naming the file and line of the first error, when the file cannot be read, when an
     *     {@code eval} command prints nothing, or when the file holds a password and others may read it
     */
    public static MsmtpConfig read(Path file, Warnings warnings) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(warnings, "warnings");
        return new MsmtpConfigReader(file, warnings).read();
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The account called {@code name} (with case), if the file defines it. */
    public Optional<MsmtpAccount> account(String name) {
        return Optional.ofNullable(accounts.get(name));
    }

    /**
     * The account called {@code name}, as {@code msmtp -a NAME} asks for it.
     *
     * @throws ConfigException {@code account NAME not found in FILE}, as msmtp says it
     */
    public MsmtpAccount requireAccount(String name) {
        MsmtpAccount account = accounts.get(name);
        if (account == null) {
            throw new ConfigException("account " + name + " not found in " + file + " (accounts: "
                    + (accounts.isEmpty() ? "none" : String.join(", ", accounts.keySet())) + ")");
        }
        return account;
    }

    /**
     * The account msmtp uses when none is named: the one called {@code default}, which {@code account default} or
     * {@code account default : NAME} defines.
     *
     * @throws ConfigException if there is none
     */
    public MsmtpAccount defaultAccount() {
        MsmtpAccount account = accounts.get(DEFAULT_ACCOUNT);
        if (account == null) {
            throw new ConfigException("account default not found in " + file + ": name the account to use, or add"
                    + " 'account default : NAME' at the end of the file (accounts: "
                    + (accounts.isEmpty() ? "none" : String.join(", ", accounts.keySet())) + ")");
        }
        return account;
    }

    /** The account names, in the order the file defines them. */
    public List<String> accountNames() {
        return List.copyOf(new ArrayList<>(accounts.keySet()));
    }

    @Override
    public String toString() {
        return "msmtp configuration " + file + " " + accounts.keySet();
    }
}
