package org.postseal.config;

import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The inputs of the signing policy, by OpenDKIM option name, as both configuration formats (opendkim.conf, HOCON)
 * and the smarthost's settings give them to {@link SettingReaders#policy}. Built with {@link #builder(Function)}, so
 * that a caller names what it sets and leaves the rest empty.
 *
 * @param where gives, for an option name (KeyTable, Domain...), where it was configured
 */
record PolicyInputs(Optional<DataSet> keyTable, Optional<DataSet> signingTable, Optional<DataSet> domain,
        Optional<String> selector, Optional<String> keyFile, Optional<DataSet> internalHosts,
        Optional<DataSet> peerList, Optional<DataSet> externalIgnoreList, Optional<DataSet> macroList,
        Optional<DataSet> mta, boolean subDomains, boolean multipleSignatures, Function<String, String> where) {

    /** Checks that nothing is null. */
    PolicyInputs {
        Objects.requireNonNull(keyTable, "keyTable");
        Objects.requireNonNull(signingTable, "signingTable");
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(internalHosts, "internalHosts");
        Objects.requireNonNull(peerList, "peerList");
        Objects.requireNonNull(externalIgnoreList, "externalIgnoreList");
        Objects.requireNonNull(macroList, "macroList");
        Objects.requireNonNull(mta, "mta");
        Objects.requireNonNull(where, "where");
    }

    /** A builder with every input unset (empty, false), reporting option names' places through {@code where}. */
    static Builder builder(Function<String, String> where) {
        return new Builder(Objects.requireNonNull(where, "where"));
    }

    /** Sets the inputs by name; each setter replaces what was set before. Not thread-safe. */
    static final class Builder {
        private final Function<String, String> where;
        private Optional<DataSet> keyTable = Optional.empty();
        private Optional<DataSet> signingTable = Optional.empty();
        private Optional<DataSet> domain = Optional.empty();
        private Optional<String> selector = Optional.empty();
        private Optional<String> keyFile = Optional.empty();
        private Optional<DataSet> internalHosts = Optional.empty();
        private Optional<DataSet> peerList = Optional.empty();
        private Optional<DataSet> externalIgnoreList = Optional.empty();
        private Optional<DataSet> macroList = Optional.empty();
        private Optional<DataSet> mta = Optional.empty();
        private boolean subDomains;
        private boolean multipleSignatures;

        private Builder(Function<String, String> where) {
            this.where = where;
        }

        /** OpenDKIM's {@code KeyTable}. */
        Builder keyTable(Optional<DataSet> value) {
            this.keyTable = value;
            return this;
        }

        /** OpenDKIM's {@code SigningTable}. */
        Builder signingTable(Optional<DataSet> value) {
            this.signingTable = value;
            return this;
        }

        /** OpenDKIM's {@code Domain}. */
        Builder domain(Optional<DataSet> value) {
            this.domain = value;
            return this;
        }

        /** OpenDKIM's {@code Selector}. */
        Builder selector(Optional<String> value) {
            this.selector = value;
            return this;
        }

        /** OpenDKIM's {@code KeyFile}. */
        Builder keyFile(Optional<String> value) {
            this.keyFile = value;
            return this;
        }

        /** OpenDKIM's {@code InternalHosts}. */
        Builder internalHosts(Optional<DataSet> value) {
            this.internalHosts = value;
            return this;
        }

        /** OpenDKIM's {@code PeerList}. */
        Builder peerList(Optional<DataSet> value) {
            this.peerList = value;
            return this;
        }

        /** OpenDKIM's {@code ExternalIgnoreList}. */
        Builder externalIgnoreList(Optional<DataSet> value) {
            this.externalIgnoreList = value;
            return this;
        }

        /** OpenDKIM's {@code MacroList}. */
        Builder macroList(Optional<DataSet> value) {
            this.macroList = value;
            return this;
        }

        /** OpenDKIM's {@code MTA}. */
        Builder mta(Optional<DataSet> value) {
            this.mta = value;
            return this;
        }

        /** OpenDKIM's {@code SubDomains}. */
        Builder subDomains(boolean value) {
            this.subDomains = value;
            return this;
        }

        /** OpenDKIM's {@code MultipleSignatures}. */
        Builder multipleSignatures(boolean value) {
            this.multipleSignatures = value;
            return this;
        }

        /** @throws NullPointerException if a setter was given null */
        PolicyInputs build() {
            return new PolicyInputs(keyTable, signingTable, domain, selector, keyFile, internalHosts, peerList,
                    externalIgnoreList, macroList, mta, subDomains, multipleSignatures, where);
        }
    }
}
