package org.postseal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.OptionalInt;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The one strtol-style reader that opendkim.conf and msmtp files share. */
class StrtolTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"25|25", "0x19|25", "0X19|25", "031|25", "0|0", "-5|-5", "+26|26",
        "007|7", "' \t 25'|25", "2147483647|2147483647", "-2147483647|-2147483647"})
    void readsAsStrtolWithBaseZero(String text, int value) {
        assertEquals(OptionalInt.of(value), Strtol.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "+", "-", "0x", "0xg", "08", "25x", "25 ", "1 2", "--5", "+-5", "\u0661",
        "2147483648", "-2147483648", "99999999999"})
    void refusesTrailingGarbageNoDigitsAndOutOfRange(String text) {
        assertEquals(OptionalInt.empty(), Strtol.parse(text), "'" + text + "'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"MinimumKeyBits 0x400", "MinimumKeyBits 02000", "MinimumKeyBits 1024"})
    void openDkimAndMsmtpReadTheSameNumbers(String line) {
        String value = line.substring(line.indexOf(' ') + 1);
        assertEquals(OpenDkimConf.parseInteger("f:1", "MinimumKeyBits", value), MsmtpConfigReader.strtol(value));
    }
}
