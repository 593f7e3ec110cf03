package org.postseal.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The measurements the soak and the broken-peers test rest on, taken on this very JVM. */
class ProcessResourcesTest {
    private static final long SELF = ProcessHandle.current().pid();

    @TempDir
    Path dir;

    /** Objects a histogram must find: 20,000 of a class no one else makes. */
    private static final class Marker {
    }

    @Test
    void theLiveHeapCountsReachableObjectsOnly() throws Exception {
        List<Marker> kept = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            kept.add(new Marker());
        }
        ProcessResources.Histogram held = ProcessResources.liveHeap(SELF);
        assertEquals(20_000, held.count(Marker.class.getName()), "every kept instance, none more");
        assertTrue(held.bytes() > 20_000L * 12 && held.instances() > 20_000, held.bytes() + " bytes");
        kept.clear();
        ProcessResources.Histogram dropped = ProcessResources.liveHeap(SELF);
        assertEquals(0, dropped.count(Marker.class.getName()), "the full GC before counting collected them");
    }

    @Test
    void anOpenFileIsOneMoreDescriptor() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        int before = ProcessResources.openFds(SELF);
        try (InputStream in = Files.newInputStream(file)) {
            assertEquals(before + 1, ProcessResources.openFds(SELF));
        }
        assertEquals(before, ProcessResources.openFds(SELF));
        assertTrue(ProcessResources.residentKb(SELF) > 1024, "a JVM takes more than 1 MiB");
    }

    @Test
    void aHistogramWithoutItsTotalLineIsAnError() {
        IOException e = assertThrows(IOException.class, () -> ProcessResources.parse(
                List.of("1234:", " num     #instances         #bytes  class name (module)",
                        "   1:            10            160  java.lang.String (java.base@17.0.15)"), 1234));
        assertTrue(e.getMessage().contains("no Total line"), e.getMessage());
    }
}
