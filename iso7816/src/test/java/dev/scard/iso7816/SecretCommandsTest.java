package dev.scard.iso7816;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecretCommandsTest {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    @ParameterizedTest(name = "{0} -> {1} ({2} withheld)")
    @CsvSource({
        // command, withheld form, secret length
        "0020008108313233343536FFFF, 0020008108, 8",               // VERIFY with a PIN
        "002000810C, 002000810C, 0",                               // VERIFY case 2: no data field
        "00200081, 00200081, 0",                                   // VERIFY without data: asks for the retry counter
        "0021008106313233343536, 0021008106, 6",                   // VERIFY, odd INS
        "002400810C313233343536393837363534, 002400810C, 12",     // CHANGE REFERENCE DATA
        "002C000110313233343536373831323334353637FF, 002C000110, 16", // RESET RETRY COUNTER, PUK and new PIN, case 4
        "002C030100, 002C030100, 0",                               // RESET RETRY COUNTER without data
        "002600810431323334, 0026008104, 4",                       // DISABLE VERIFICATION REQUIREMENT
        "002800810431323334, 0028008104, 4",                       // ENABLE VERIFICATION REQUIREMENT
        "80200000043132333400, 8020000004, 4",                     // proprietary class, case 4S
        "00200081000004313233340000, 00200081000004, 4",           // extended case 4E
        "0028008104313233343536, 00280081, 7",                     // malformed (Lc 4, 6 bytes): header only
        "00A4000C023F00, 00A4000C023F00, 0",                       // SELECT is not secret
        "00B0000010, 00B0000010, 0",                               // READ BINARY
    })
    void withholdsTheDataOfSecretCommands(String command, String withheld, int secret) {
        byte[] raw = HEX.parseHex(command);
        assertThat(SecretCommands.secretLength(raw)).isEqualTo(secret);
        assertThat(HEX.formatHex(SecretCommands.withheld(raw))).isEqualTo(withheld);
    }

    @Test
    void theWithheldFormIsACopy() {
        byte[] select = HEX.parseHex("00A4000C023F00");
        byte[] shown = SecretCommands.withheld(select);
        shown[0] = 0x7F;
        assertThat(select[0]).isZero();
        assertThat(SecretCommands.withheld(null)).isNull();
        assertThat(SecretCommands.secretLength(null)).isZero();
        assertThat(SecretCommands.secretLength(new byte[] {0x00, 0x20})).isZero();
    }

    @Test
    void secretInstructionsAreThoseThatPresentOrSetReferenceData() {
        for (int ins = 0; ins < 256; ins++) {
            boolean expected = ins == 0x20 || ins == 0x21 || ins == 0x24 || ins == 0x25 || ins == 0x26 || ins == 0x28
                    || ins == 0x2C || ins == 0x2D;
            assertThat(SecretCommands.isSecretInstruction(ins)).as("INS %02X", ins).isEqualTo(expected);
        }
    }

    private static final List<CommandPattern> MORE = List.of(CommandPattern.parse("80 E2 * *"),
            CommandPattern.parse("00 87"), CommandPattern.parse("84 **"));

    @ParameterizedTest(name = "{0} -> {1} ({2} withheld)")
    @CsvSource({
        // command, withheld form, secret length, whether a secret command
        "80E2000008A1A2A3A4A5A6A7A8, 80E2000008, 8, true",               // a proprietary key load, case 3S
        "80e2000008a1a2a3a4a5a6a7a800, 80E2000008, 8, true",             // case 4S, lower-case hex: the Le goes too
        "0087009A0A7C088100820085010000, 0087009A0A, 10, true",          // GENERAL AUTHENTICATE, any P1 P2
        "84E20000000010000102030405060708090A0B0C0D0E0F, 84E20000000010, 16, true", // extended Lc, class 84
        "84E20000000010000102030405060708090A0B0C0D0E0F0000, 84E20000000010, 16, true", // extended case 4E
        "80E20000, 80E20000, 0, true",                                   // case 1: no data, nothing to withhold
        "80E2000010, 80E2000010, 0, true",                               // case 2: an Le, no data
        "80E2000004A1A2, 80E20000, 3, true",                             // malformed (Lc 4, 2 bytes): after header
        "80E200, 80E200, 0, false",                                      // shorter than a header: not a command
        "8022000004A1A2A3A4, 8022000004A1A2A3A4, 0, false",              // another instruction of class 80
    })
    void withholdsTheDataOfCommandsThePatternsMatchToo(String command, String withheld, int secret,
            boolean isSecret) {
        byte[] raw = HEX.parseHex(command);
        assertThat(SecretCommands.isSecret(raw, MORE)).isEqualTo(isSecret);
        assertThat(SecretCommands.secretLength(raw, MORE)).isEqualTo(secret);
        assertThat(HEX.formatHex(SecretCommands.withheld(raw, MORE))).isEqualTo(withheld);
        assertThat(SecretCommands.secretLength(raw)).as("the built-in rule alone").isZero();
    }

    @Test
    void patternsAddToTheBuiltInRuleAndNeverTakeFromIt() {
        byte[] verify = HEX.parseHex("00200081083132333435363738");
        List<CommandPattern> unrelated = List.of(CommandPattern.parse("80 E2"));
        assertThat(SecretCommands.isSecret(verify, unrelated)).isTrue();
        assertThat(SecretCommands.secretLength(verify, unrelated)).isEqualTo(8);
        assertThat(HEX.formatHex(SecretCommands.withheld(verify, List.of()))).isEqualTo("0020008108");
        assertThat(SecretCommands.isSecret(null, unrelated)).isFalse();
        assertThat(SecretCommands.withheld(null, unrelated)).isNull();
        byte[] select = HEX.parseHex("00A4000C023F00");
        assertThat(SecretCommands.isSecret(select, unrelated)).isFalse();
        assertThat(SecretCommands.isSecret(select, List.of(CommandPattern.parse("00 A4 00 0C")))).isTrue();
        assertThat(HEX.formatHex(SecretCommands.withheld(select, List.of(CommandPattern.parse("00 A4")))))
                .isEqualTo("00A4000C02");
    }
}
