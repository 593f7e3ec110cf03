package org.postseal.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout of postseal's packages, stated in code; docs/ENGINE.md draws the same picture. Dependencies point one
 * way: the command line composes the front doors (milter, smarthost), the configuration and the metrics; they use
 * the signing path, the policy and the protocols; everything rests on the DKIM engine and on a few leaf packages
 * (RFC 5322 values, bounded file reading, log lines and their Logback set-up, socket plumbing, the events port) that
 * import nothing of postseal.
 */
class ArchitectureTest {
    private static final String[] LEAVES = {"org.postseal.message..", "org.postseal.files..",
        "org.postseal.logging..", "org.postseal.transport..", "org.postseal.events.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.postseal");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("org.postseal.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void layersDependDownwardOnly() {
        layeredArchitecture().consideringOnlyDependenciesInAnyPackage("org.postseal..")
                .withOptionalLayers(true)
                .layer("Command line").definedBy("org.postseal.cli..")
                .layer("Front doors and configuration").definedBy("org.postseal.milter..", "org.postseal.smarthost..",
                        "org.postseal.config..")
                .layer("Metrics").definedBy("org.postseal.metrics..")
                .layer("Signing, policy and protocols").definedBy("org.postseal.signing..", "org.postseal.policy..",
                        "org.postseal.dns..", "org.postseal.smtp..", "org.postseal.sendmail..",
                        "org.postseal.keys..")
                .layer("DKIM engine").definedBy("org.postseal.dkim..")
                .layer("Leaves").definedBy(LEAVES)
                .whereLayer("Command line").mayNotBeAccessedByAnyLayer()
                .whereLayer("Front doors and configuration").mayOnlyBeAccessedByLayers("Command line")
                .whereLayer("Metrics").mayOnlyBeAccessedByLayers("Command line")
                .whereLayer("Signing, policy and protocols").mayOnlyBeAccessedByLayers("Command line",
                        "Front doors and configuration")
                .whereLayer("DKIM engine").mayOnlyBeAccessedByLayers("Command line", "Front doors and configuration",
                        "Signing, policy and protocols")
                .check(classes);
    }

    @Test
    void theEngineImportsNothingOfPostsealButRfc5322ValuesAndNoLogging() {
        noClasses().that().resideInAPackage("org.postseal.dkim..").should().dependOnClassesThat(
                resideInAPackage("org.postseal..").and(not(resideInAnyPackage("org.postseal.dkim..",
                        "org.postseal.message"))))
                .orShould().dependOnClassesThat().resideInAnyPackage("org.slf4j..", "io.netty..")
                .check(classes);
    }

    @Test
    void leavesImportNothingOfPostseal() {
        for (String leaf : LEAVES) {
            noClasses().that().resideInAPackage(leaf).should().dependOnClassesThat(
                    resideInAPackage("org.postseal..").and(not(resideInAPackage(leaf)))).check(classes);
        }
    }

    @Test
    void theSmtpClientKnowsNothingOfDkimPolicyOrConfiguration() {
        noClasses().that().resideInAPackage("org.postseal.smtp..").should().dependOnClassesThat()
                .resideInAnyPackage("org.postseal.dkim..", "org.postseal.policy..", "org.postseal.signing..",
                        "org.postseal.config..")
                .check(classes);
    }

    @Test
    void onlyTheMilterImportsJmilter() {
        noClasses().that().resideOutsideOfPackage("org.postseal.milter..").should().dependOnClassesThat()
                .resideInAPackage("org.nightcode..").check(classes);
    }

    /** Every other package logs through slf4j; the Logback set-up (stderr, syslog) is the logging package's alone. */
    @Test
    void onlyTheLoggingPackageKnowsLogback() {
        noClasses().that().resideOutsideOfPackage("org.postseal.logging..").should().dependOnClassesThat()
                .resideInAPackage("ch.qos.logback..").check(classes);
    }

    @Test
    void onlyTheMetricsImportPrometheusAndTheyImportNothingOfPostsealButEvents() {
        noClasses().that().resideOutsideOfPackage("org.postseal.metrics..").should().dependOnClassesThat()
                .resideInAPackage("io.prometheus..").check(classes);
        noClasses().that().resideInAPackage("org.postseal.metrics..").should().dependOnClassesThat(
                resideInAPackage("org.postseal..").and(not(resideInAnyPackage("org.postseal.metrics..",
                        "org.postseal.events..")))).check(classes);
    }

    @Test
    void nothingImportsTheCommandLine() {
        noClasses().that().resideOutsideOfPackage("org.postseal.cli..").should().dependOnClassesThat()
                .resideInAPackage("org.postseal.cli..").check(classes);
    }
}
