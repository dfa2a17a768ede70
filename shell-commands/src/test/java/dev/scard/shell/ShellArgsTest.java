package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.EnumSet;

import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;

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
                .withMessage("unknown disposition 'eject' (use leave, reset or unpower)" + " [E_INVALIDARG 0x80070057]");
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
        return ShellArgs.readerAndOption(words, ShellArgs::isShareMode, "scard:readers");
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
                .isThrownBy(() -> ShellArgs.readerAndOption(new String[] {" "}, word -> false, "sim:readers"))
                .withMessage("no reader given (sim:readers lists them)" + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void readsVpcdAddresses() {
        assertThat(ShellArgs.vpcdAddress("127.0.0.1:35963")).isEqualTo(new ShellArgs.VpcdAddress("127.0.0.1", 35963));
        assertThat(ShellArgs.vpcdAddress(" [::1]:1 ")).isEqualTo(new ShellArgs.VpcdAddress("::1", 1));
        assertThat(ShellArgs.vpcdAddress("host:65535")).isEqualTo(new ShellArgs.VpcdAddress("host", 65535));
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.vpcdAddress("35963"))
                .withMessageStartingWith("'35963' is not a vpcd address: use <host>:<port>");
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.vpcdAddress("[]:1"))
                .withMessageStartingWith("'[]:1' is not a vpcd address");
        assertThatIllegalArgumentException().isThrownBy(() -> ShellArgs.vpcdAddress("h:65536"))
                .withMessageStartingWith("'65536' in 'h:65536' is not a port number from 1 to 65535");
        assertThat(ShellArgs.isVpcdAddress("127.0.0.1:35963")).isTrue();
        assertThat(ShellArgs.isVpcdAddress("0")).isFalse();
        assertThat(ShellArgs.isVpcdAddress(null)).isFalse();
    }
}
