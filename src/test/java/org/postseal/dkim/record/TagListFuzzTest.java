package org.postseal.dkim.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Timeout;
import org.postseal.fuzz.FuzzSupport;

/**
 * Fuzzes the tag=value parser every DKIM-Signature field and key record goes through (RFC 6376 §3.2). Beyond not
 * crashing: a refusal is a {@link TagSyntaxException} with a message; what parses writes back as
 * {@code name=value; ...} and parses to the same tags in the same order; and OpenDKIM's folded layout of those tags
 * ({@link SignatureHeaderFormatter}, which only adds folding whitespace) reads back to the same values.
 */
@Timeout(10)
class TagListFuzzTest {
    private static final String FIELD_NAME = "DKIM-Signature:";

    @FuzzTest(maxDuration = "30s")
    void parse(byte[] input) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        TagList tags;
        try {
            tags = TagList.parse(text);
        } catch (TagSyntaxException e) {
            FuzzSupport.explained(e);
            return;
        }
        List<Map.Entry<String, String>> entries = List.copyOf(tags.asMap().entrySet());
        String written = entries.stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("; "));
        assertEquals(entries, List.copyOf(reparse(written).asMap().entrySet()), "written back: " + written);

        // the signer's layout: values without whitespace (as the signer makes them), b= last and empty
        if (tags.has("b")) {
            return;
        }
        List<Map.Entry<String, String>> compact = new ArrayList<>();
        for (Map.Entry<String, String> e : entries) {
            compact.add(new SimpleImmutableEntry<>(e.getKey(), TagList.stripWhitespace(e.getValue())));
        }
        String field = SignatureHeaderFormatter.unsigned(compact);
        assertTrue(field.startsWith(FIELD_NAME), field);
        TagList folded = reparse(field.substring(FIELD_NAME.length()));
        List<Map.Entry<String, String>> expected = new ArrayList<>(compact);
        expected.add(new SimpleImmutableEntry<>("b", ""));
        List<Map.Entry<String, String>> actual = folded.asMap().entrySet().stream()
                .map(e -> (Map.Entry<String, String>) new SimpleImmutableEntry<>(e.getKey(),
                        TagList.stripWhitespace(e.getValue())))
                .toList();
        assertEquals(expected, actual, "folded: " + field);
    }

    private static TagList reparse(String text) {
        try {
            return TagList.parse(text);
        } catch (TagSyntaxException e) {
            throw new AssertionError("does not parse again: " + e.getMessage() + ": " + text, e);
        }
    }
}
