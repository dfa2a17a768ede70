package dev.scard.iso7816;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CommandPatternTest {

    private static final HexFormat HEX = HexFormat.of();

    private static boolean matches(String pattern, String command) {
        return CommandPattern.parse(pattern).matches(HEX.parseHex(command));
    }

    @ParameterizedTest(name = "''{0}'' is {1}")
    @CsvSource(delimiter = '|', value = {
        "80 20 * *      | 80 20 xx xx",
        "80 20          | 80 20 xx xx",
        "8020           | 80 20 xx xx",
        "80 20 xx XX    | 80 20 xx xx",
        "80 20 ** **    | 80 20 xx xx",
        "'  80\t20  '   | 80 20 xx xx",
        "00 87          | 00 87 xx xx",
        "84 **          | 84 xx xx xx",
        "84 *           | 84 xx xx xx",
        "0x 87          | 0x 87 xx xx",
        "*4 DA 01 6e    | x4 DA 01 6E",
        "a0b1c2d3       | A0 B1 C2 D3",
        "A0 b1C2 d3     | A0 B1 C2 D3",
        "* * * *        | xx xx xx xx",
    })
    void readsTheSyntaxInEachOfItsForms(String text, String canonical) {
        CommandPattern pattern = CommandPattern.parse(text);
        assertThat(pattern).hasToString(canonical);
        assertThat(CommandPattern.parse(canonical)).as("the written form reads back").isEqualTo(pattern)
                .hasSameHashCodeAs(pattern);
    }

    @Test
    void matchesTheHeaderBytesItNamesWhateverFollowsThem() {
        assertThat(matches("80 20 * *", "8020000106313233343536")).isTrue();
        assertThat(matches("80 20", "80208181")).as("a header alone").isTrue();
        assertThat(matches("80 20", "8020000100000631323334353600")).as("extended Lc").isTrue();
        assertThat(matches("80 20", "0020000106313233343536")).as("another class").isFalse();
        assertThat(matches("80 20", "8022000106313233343536")).as("another instruction").isFalse();
        assertThat(matches("00 87 00 9A", "0087009A0401020304")).isTrue();
        assertThat(matches("00 87 00 9A", "0087009B0401020304")).as("another P2").isFalse();
        assertThat(matches("84 **", "84E2000010" + "00".repeat(16))).isTrue();
        assertThat(matches("84 **", "04E2000010" + "00".repeat(16))).isFalse();
        assertThat(matches("0x 87", "0387000000")).as("a class with a logical channel").isTrue();
        assertThat(matches("0x 87", "1087000000")).as("a chained class").isFalse();
        assertThat(matches("x0 2A 9E 9A", "802A9E9A00")).isTrue();
        assertThat(matches("x0 2A 9E 9A", "812A9E9A00")).isFalse();
    }

    @Test
    void hexIsReadInEitherCase() {
        assertThat(matches("af e2", "AFE2000000")).isTrue();
        assertThat(matches("AF E2", "afe2000000".toUpperCase())).isTrue();
        assertThat(CommandPattern.parse("af e2")).isEqualTo(CommandPattern.parse("AF E2"));
    }

    @Test
    void aCommandShorterThanAHeaderNeverMatches() {
        CommandPattern any = CommandPattern.parse("* * * *");
        assertThat(any.matches(HEX.parseHex("00A4000C"))).isTrue();
        assertThat(any.matches(HEX.parseHex("00A400"))).isFalse();
        assertThat(any.matches(HEX.parseHex("8020"))).isFalse();
        assertThat(any.matches(new byte[0])).isFalse();
        assertThat(any.matches(null)).isFalse();
    }

    @ParameterizedTest(name = "''{0}'': {1}")
    @CsvSource(delimiter = '|', value = {
        "''              | empty; a pattern is CLA INS",
        "'   '           | empty; a pattern is CLA INS",
        "80              | one byte only: a pattern needs at least CLA and INS",
        "*               | one byte only: a pattern needs at least CLA and INS",
        "80 20 00 00 05  | more than four bytes",
        "8020000005      | more than four bytes",
        "80 2G           | word 2, character 2 is not a hex digit, x or *",
        "80 20 ?? 00     | word 3, character 1 is not a hex digit, x or *",
        "80 2            | word 2 has 1 characters: a byte is two",
        "80 ***          | word 2 has 3 characters",
        "0x80 0x20       | word 1, character 2: wildcards stand in words of one byte",
        "80 20xx         | word 2, character 3: wildcards stand in words of one byte",
        "80,20           | word 1 has 5 characters",
        "80;2            | word 1, character 3 is not a hex digit, x or *",
        "80 ２0          | word 2, character 1 is not a hex digit, x or *",
    })
    void refusesWhatIsNotAPatternSayingWhatIsWrong(String text, String message) {
        assertThatThrownBy(() -> CommandPattern.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message).hasMessageEndingWith(CommandPattern.SYNTAX);
    }

    @Test
    void nullIsRefusedToo() {
        assertThatThrownBy(() -> CommandPattern.parse(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("empty");
    }
}
