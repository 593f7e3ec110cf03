package org.postseal.postfix;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI made by {@code openssl} for TLS tests against Postfix: a CA ({@code ca.pem}) and server
 * certificates it signs, valid for two days.
 */
public final class TestCertificates {
    private TestCertificates() {
    }

    /** Makes {@code NAME.key} and self-signed CA {@code NAME.pem} in {@code dir}. */
    public static void ca(Path dir, String name, String commonName) throws Exception {
        openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", "/CN=" + commonName,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    /**
     * Makes {@code NAME.key} and {@code NAME.pem}, a server certificate for {@code subjectAltName} (such as
     * {@code DNS:localhost, IP:127.0.0.1}) signed by the CA {@code ca.pem}/{@code ca.key} in {@code dir}; both
     * readable by Postfix.
     */
    public static void server(Path dir, String name, String commonName, String subjectAltName) throws Exception {
        openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + commonName);
        Files.writeString(dir.resolve(name + ".ext"), "subjectAltName = " + subjectAltName + "\n"
                + "basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n"
                + "extendedKeyUsage = serverAuth\n");
        openssl(dir, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
    }

    private static void openssl(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
        }
    }
}
