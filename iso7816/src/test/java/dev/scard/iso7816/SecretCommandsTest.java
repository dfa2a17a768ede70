package dev.scard.iso7816;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;

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
}
