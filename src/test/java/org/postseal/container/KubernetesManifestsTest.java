package org.postseal.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postseal.config.OpenDkimConf;
import org.postseal.config.SocketSpec;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Kubernetes example of {@code docs/DEPLOYMENT.md} ({@code docs/k8s/*.yaml}), checked without a cluster or
 * kubectl: every document is read into the Kubernetes API types that fabric8 generates from Kubernetes' OpenAPI
 * schema, and a field the schema does not know (a misspelt {@code readinesProbe}, a field at the wrong level) or of
 * the wrong type fails, naming it. Then what the API server does not check: the Service and the selector find the
 * pods, probes and the Service name real container ports, mounts name volumes and volumes name the ConfigMap and
 * Secret, the ConfigMap's opendkim.conf is read by postseal's own reader and names files that the mounts provide,
 * and the pod runs as the image's postseal user.
 */
class KubernetesManifestsTest {
    private static final Path DIRECTORY = Path.of("docs/k8s");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "apps/v1/Deployment", Deployment.class,
            "v1/Service", Service.class,
            "v1/ConfigMap", ConfigMap.class,
            "v1/Secret", Secret.class);

    private static List<HasMetadata> resources;

    @BeforeAll
    static void read() throws IOException {
        List<HasMetadata> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
                int index = 0;
                for (Object document : yaml.loadAll(Files.readString(file))) {
                    index++;
                    all.add(typed(file + " document " + index, document));
                }
            }
        }
        resources = List.copyOf(all);
    }

    /** Reads one document into its API type, failing on a kind this example does not use or an unknown field. */
    private static HasMetadata typed(String where, Object document) {
        if (!(document instanceof Map<?, ?> map)) {
            throw new AssertionError(where + ": not a mapping");
        }
        String kind = map.get("apiVersion") + "/" + map.get("kind");
        Class<? extends HasMetadata> type = KINDS.get(kind);
        if (type == null) {
            throw new AssertionError(where + ": apiVersion/kind " + kind + " (expected one of " + KINDS.keySet() + ")");
        }
        HasMetadata resource;
        try {
            resource = JSON.convertValue(map, type);
        } catch (RuntimeException e) {
            throw new AssertionError(where + ": does not fit the " + kind + " schema: " + e.getMessage(), e);
        }
        List<String> unknown = new ArrayList<>();
        unknownFields(resource, kind, unknown, new IdentityHashMap<>());
        assertEquals(List.of(), unknown, where + ": fields the Kubernetes schema does not have");
        return resource;
    }

    /**
     * Collects the fields Jackson could not bind to a schema property: fabric8 keeps them in each object's
     * {@code additionalProperties} instead of refusing them.
     */
    private static void unknownFields(Object value, String path, List<String> unknown, Map<Object, Object> seen) {
        if (value == null || seen.put(value, value) != null) {
            return;
        }
        if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                unknownFields(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> entries) {
            entries.forEach((key, item) -> unknownFields(item, path + "." + key, unknown, seen));
            return;
        }
        if (!value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object field;
            try {
                field = getter.invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(getter.toString(), e);
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    extra.keySet().forEach(key -> unknown.add(path + "." + key));
                }
            } else {
                unknownFields(field, path + "." + Character.toLowerCase(getter.getName().charAt(3))
                        + getter.getName().substring(4), unknown, seen);
            }
        }
    }

    private static <T extends HasMetadata> List<T> all(Class<T> type) {
        return resources.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T extends HasMetadata> T one(Class<T> type) {
        List<T> found = all(type);
        assertEquals(1, found.size(), "one " + type.getSimpleName() + " expected in " + DIRECTORY);
        return found.get(0);
    }

    private static Container postseal() {
        List<Container> containers = one(Deployment.class).getSpec().getTemplate().getSpec().getContainers();
        return containers.stream().filter(c -> c.getName().equals("postseal")).findFirst()
                .orElseThrow(() -> new AssertionError("no container named postseal in the Deployment"));
    }

    @Test
    void theExampleHasADeploymentAServiceAConfigMapAndASecretInOneNamespace() {
        assertEquals(1, all(Deployment.class).size());
        assertEquals(1, all(Service.class).size());
        assertEquals(1, all(ConfigMap.class).size());
        assertEquals(1, all(Secret.class).size());
        for (HasMetadata resource : resources) {
            assertFalse(resource.getMetadata().getName() == null || resource.getMetadata().getName().isBlank(),
                    resource.getKind() + " without metadata.name");
            assertEquals("mail", resource.getMetadata().getNamespace(), resource.getKind() + " namespace");
        }
    }

    @Test
    void theDeploymentsSelectorAndTheServicesSelectorMatchThePods() {
        Deployment deployment = one(Deployment.class);
        Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
        Map<String, String> selector = deployment.getSpec().getSelector().getMatchLabels();
        assertFalse(selector.isEmpty());
        assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), "selector " + selector + " vs " + podLabels);
        Map<String, String> serviceSelector = one(Service.class).getSpec().getSelector();
        assertFalse(serviceSelector.isEmpty());
        assertTrue(podLabels.entrySet().containsAll(serviceSelector.entrySet()),
                "Service selector " + serviceSelector + " vs " + podLabels);
    }

    @Test
    void theServiceAndTheProbesNameContainerPorts() {
        Container container = postseal();
        Set<String> names = Set.copyOf(container.getPorts().stream().map(ContainerPort::getName).toList());
        Set<Integer> numbers = Set.copyOf(container.getPorts().stream().map(ContainerPort::getContainerPort).toList());
        for (ServicePort port : one(Service.class).getSpec().getPorts()) {
            assertTrue(names(port.getTargetPort(), names, numbers), "Service targetPort " + port.getTargetPort());
        }
        for (Probe probe : List.of(container.getReadinessProbe(), container.getLivenessProbe())) {
            assertTrue(names(probe.getHttpGet().getPort(), names, numbers), "probe port " + probe.getHttpGet().getPort());
        }
    }

    @Test
    void theMilterListensOnAllAddressesOfThePodAtThePortTheServiceSendsTo(@TempDir Path scratch) throws IOException {
        Container container = postseal();
        int milter = container.getPorts().stream().filter(p -> p.getName().equals("milter")).findFirst()
                .orElseThrow().getContainerPort();
        Path conf = Files.writeString(scratch.resolve("opendkim.conf"),
                one(ConfigMap.class).getData().get("opendkim.conf"));
        SocketSpec socket = OpenDkimConf.read(conf).socket().orElseThrow(() -> new AssertionError("no Socket"));
        assertEquals(SocketSpec.Family.INET, socket.family(), socket::toString);
        assertEquals(milter, socket.port(), socket::toString);
        assertEquals(Optional.of("0.0.0.0"), socket.host(), socket::toString);
    }

    private static boolean names(IntOrString port, Set<String> names, Set<Integer> numbers) {
        return port.getStrVal() != null ? names.contains(port.getStrVal()) : numbers.contains(port.getIntVal());
    }

    @Test
    void mountsNameVolumesAndVolumesNameTheConfigMapAndTheSecret() {
        List<Volume> volumes = one(Deployment.class).getSpec().getTemplate().getSpec().getVolumes();
        Set<String> volumeNames = Set.copyOf(volumes.stream().map(Volume::getName).toList());
        for (VolumeMount mount : postseal().getVolumeMounts()) {
            assertTrue(volumeNames.contains(mount.getName()), "mount of an undeclared volume: " + mount.getName());
        }
        for (Volume volume : volumes) {
            if (volume.getConfigMap() != null) {
                assertEquals(one(ConfigMap.class).getMetadata().getName(), volume.getConfigMap().getName());
            }
            if (volume.getSecret() != null) {
                assertEquals(one(Secret.class).getMetadata().getName(), volume.getSecret().getSecretName());
                // RequireSafeKeys: a key others can read is refused
                assertEquals(0, volume.getSecret().getDefaultMode() & 07, "the Secret's files must not be world-readable");
            }
        }
    }

    @Test
    void thePodRunsAsThePostsealUserOfTheImage() throws IOException {
        Matcher uid = Pattern.compile("--uid (\\d+)").matcher(Files.readString(Path.of("docker/Dockerfile")));
        assertTrue(uid.find(), "docker/Dockerfile creates the postseal user with a fixed --uid");
        long imageUid = Long.parseLong(uid.group(1));
        var security = one(Deployment.class).getSpec().getTemplate().getSpec().getSecurityContext();
        assertEquals(imageUid, security.getRunAsUser());
        assertEquals(imageUid, security.getFsGroup());
        assertTrue(security.getRunAsNonRoot());
    }

    @Test
    void theConfigMapsOpendkimConfIsReadByPostsealAndNamesFilesTheMountsProvide(@TempDir Path scratch)
            throws IOException {
        ConfigMap config = one(ConfigMap.class);
        Path conf = Files.writeString(scratch.resolve("opendkim.conf"), config.getData().get("opendkim.conf"));
        OpenDkimConf read = OpenDkimConf.read(conf);
        assertEquals(List.of(), read.warnings(), "warnings from postseal reading the ConfigMap's opendkim.conf");

        Map<String, String> mounts = new HashMap<>();
        List<Volume> volumes = one(Deployment.class).getSpec().getTemplate().getSpec().getVolumes();
        for (VolumeMount mount : postseal().getVolumeMounts()) {
            mounts.put(mount.getMountPath(), mount.getName());
        }
        String configDirectory = mountPathOf("config", mounts);
        assertTrue(postseal().getArgs().contains(configDirectory + "/opendkim.conf"), postseal().getArgs()::toString);
        for (String option : List.of("KeyTable", "SigningTable", "InternalHosts")) {
            String value = read.string(option).orElseThrow(() -> new AssertionError(option + " is not set"));
            Path file = Path.of(value.replaceFirst("^refile:", ""));
            assertEquals(Path.of(configDirectory), file.getParent(), option + " is not in the ConfigMap's mount");
            assertTrue(config.getData().containsKey(file.getFileName().toString()),
                    option + " names " + file.getFileName() + ", which the ConfigMap does not have");
        }
        String keysDirectory = mountPathOf("keys", mounts);
        Secret secret = one(Secret.class);
        for (String line : config.getData().get("KeyTable").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Path key = Path.of(line.strip().split("\\s+")[1].split(":", 3)[2]);
            assertEquals(Path.of(keysDirectory), key.getParent(), key + " is not in the Secret's mount");
            assertTrue(secret.getStringData().containsKey(key.getFileName().toString())
                    || Optional.ofNullable(secret.getData()).map(d -> d.containsKey(key.getFileName().toString()))
                    .orElse(false), "the Secret has no " + key.getFileName());
        }
        assertEquals(volumes.size(), mounts.size(), "every volume is mounted once");
    }

    private static String mountPathOf(String volume, Map<String, String> mounts) {
        return mounts.entrySet().stream().filter(e -> e.getValue().equals(volume)).map(Map.Entry::getKey)
                .findFirst().orElseGet(() -> fail("volume " + volume + " is not mounted"));
    }
}
