package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.shell.text.CommandText;

class ShellArgsTest {

    @Test
    void readsShareModesInAnyCase() {
        assertThat(ShellArgs.shareMode("shared")).isEqualTo(ShareMode.SHARED);
        assertThat(ShellArgs.shareMode("EXCLUSIVE")).isEqualTo(ShareMode.EXCLUSIVE);
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.shareMode("direct"))
                .withMessage("unknown share mode 'direct' (use shared or exclusive)" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void readsOnlyTheAllowedDispositions() {
        var reconnect = ShellArgs.of(Disposition.LEAVE, Disposition.RESET, Disposition.UNPOWER);
        assertThat(ShellArgs.disposition("Reset", reconnect)).isEqualTo(Disposition.RESET);
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.disposition("eject", reconnect))
                .withMessage("the disposition 'eject' is not allowed here (use leave, reset or unpower)" + " [E_INVALIDARG 0x80070057]");
        var all = ShellArgs.of(Disposition.values());
        assertThat(ShellArgs.disposition("eject", all)).isEqualTo(Disposition.EJECT);
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.disposition("drop", all))
                .withMessage("unknown disposition 'drop' (use leave, reset, unpower or eject)" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void readsProtocolLists() {
        assertThat(ShellArgs.protocols("t0,t1")).isEqualTo(EnumSet.of(Protocol.T0, Protocol.T1));
        assertThat(ShellArgs.protocols("T=1")).isEqualTo(EnumSet.of(Protocol.T1));
        assertThat(ShellArgs.protocols("raw")).isEqualTo(EnumSet.of(Protocol.RAW));
        assertThat(ShellArgs.protocols("any")).isEqualTo(EnumSet.of(Protocol.T0, Protocol.T1, Protocol.RAW));
        assertThat(ShellArgs.protocols(" t1 , t0 ")).isEqualTo(EnumSet.of(Protocol.T0, Protocol.T1));
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.protocols("t0,t2"))
                .withMessage("unknown protocol 't2' in 't0,t2' (use t0, t1, raw or any)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.protocols(""))
                .withMessage("unknown protocol '' in '' (use t0, t1, raw or any)" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void readsHandleNumbers() {
        assertThat(ShellArgs.handle("5")).isEqualTo(5L);
        assertThat(ShellArgs.handle(" 42 ")).isEqualTo(42L);
        assertThat(ShellArgs.handle("0x1F")).isEqualTo(31L);
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.handle("five"))
                .withMessage("'five' is not a handle number" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.handle("0x"))
                .withMessage("'0x' is not a handle number" + " [E_INVALIDARG 0x80070057]");
    }

    private static String[] split(String... words) {
        return CommandText.readerAndOption(words, ShellArgs::isShareMode, "scard:readers");
    }

    @Test
    void joinsTheWordsOfAnUnquotedReaderName() {
        assertThat(split("Simulated", "Reader", "0")).containsExactly("Simulated Reader 0", null);
        assertThat(split("Simulated Reader 0")).containsExactly("Simulated Reader 0", null);
    }

    @Test
    void splitsOffATrailingOption() {
        assertThat(split("Simulated", "Reader", "0", "exclusive")).containsExactly("Simulated Reader 0", "exclusive");
        assertThat(split("Simulated Reader 0", "SHARED")).containsExactly("Simulated Reader 0", "SHARED");
    }

    @Test
    void aLoneOptionWordIsAReaderName() {
        assertThat(split("shared")).containsExactly("shared", null);
    }

    @Test
    void namesTheListingCommandWhenNoReaderIsGiven() {
        assertThatIllegalArgumentException().isThrownBy(() -> split())
                .withMessage("no reader given (scard:readers lists them)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException().isThrownBy(() -> split((String[]) null))
                .withMessage("no reader given (scard:readers lists them)" + " [E_INVALIDARG 0x80070057]");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> CommandText.readerAndOption(new String[] {" "}, word -> false, "sim:readers"))
                .withMessage("no reader given (sim:readers lists them)" + " [E_INVALIDARG 0x80070057]");
    }
}
