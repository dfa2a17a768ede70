package dev.scard.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

class ApiTypesTest {

    @Test
    void hresultsHaveTheContractsValuesAndAreUnique() {
        // 11 COM codes and the 68 smart-card codes of spec §4.2 (SCARD_S_SUCCESS shares S_OK's value).
        assertThat(HResult.values()).hasSize(11 + 68);
        assertThat(Arrays.stream(HResult.values()).map(HResult::value).collect(Collectors.toSet()))
                .hasSize(HResult.values().length - 1);
        assertThat(HResult.fromValue(0)).isEqualTo(HResult.S_OK);
        assertThat(HResult.SCARD_E_NO_SMARTCARD.value()).isEqualTo(0x8010000C);
        assertThat(HResult.E_INVALIDARG.value()).isEqualTo(0x80070057);
        assertThat(HResult.SCARD_W_CACHE_ITEM_TOO_BIG.value()).isEqualTo(0x80100072);
        assertThat(HResult.SCARD_E_UNSUPPORTED_FEATURE.value()).isEqualTo(0x80100022);
        assertThat(HResult.fromValue(0x8010006B)).isEqualTo(HResult.SCARD_W_WRONG_CHV);
        assertThat(HResult.fromValue(0x12345678)).isNull();
        assertThat(HResult.SCARD_E_SHARING_VIOLATION.hex()).isEqualTo("0x8010000B");
    }

    @Test
    void exceptionNamesTheCodeAndCarriesRemainingTries() {
        SCardException e = new SCardException(HResult.SCARD_W_WRONG_CHV, "wrong PIN 1", 2, null);
        assertThat(e.getMessage()).isEqualTo("wrong PIN 1 [SCARD_W_WRONG_CHV 0x8010006B]");
        assertThat(e.code()).isEqualTo(HResult.SCARD_W_WRONG_CHV);
        assertThat(e.hresult()).isEqualTo(0x8010006B);
        assertThat(e.remainingTries()).hasValue(2);
        assertThat(new SCardException(HResult.E_FAIL, null).getMessage())
                .isEqualTo("unspecified failure [E_FAIL 0x80004005]");
        assertThat(new SCardException(HResult.E_FAIL, "x").remainingTries()).isEmpty();
    }

    @Test
    void enumsKeepTheContractsNumbers() {
        assertThat(CardState.SPECIFIC_MODE.value()).isEqualTo(6);
        assertThat(CardState.ABSENT.value()).isEqualTo(1);
        assertThat(Protocol.RAW.value()).isEqualTo(0xFF);
        assertThat(Protocol.UNDEFINED.value()).isZero();
        assertThat(ShareMode.EXCLUSIVE.value()).isEqualTo(1);
        assertThat(Disposition.EJECT.value()).isEqualTo(3);
        assertThat(RefType.BY_SHORT_ID.value()).isEqualTo(2);
        assertThat(FileType.VARIABLE_EF.value()).isEqualTo(7);
        assertThat(SeekOrigin.RELATIVE.value()).isEqualTo(2);
        assertThat(ContractValue.fromValue(Protocol.class, 2)).isEqualTo(Protocol.T1);
        assertThat(ContractValue.fromValue(CardState.class, 4)).isEqualTo(CardState.POWERED);
        assertThatThrownBy(() -> ContractValue.fromValue(CardState.class, 0))
                .isInstanceOfSatisfying(SCardException.class,
                        e -> assertThat(e.code()).isEqualTo(HResult.E_INVALIDARG))
                .hasMessageContaining("CardState");
    }

    @Test
    void flagsConvertToAndFromMasks() {
        assertThat(SCardFlag.toMask(SCardFlag.NONE)).isZero();
        assertThat(SCardFlag.toMask(EnumSet.of(SCardFlag.IHV_LOCAL, SCardFlag.SECURE_MESSAGING))).isEqualTo(0x101);
        assertThat(SCardFlag.fromMask(0x8080)).containsExactlyInAnyOrder(SCardFlag.IHV_GLOBAL, SCardFlag.IHV_CHECKONLY);
        assertThat(SCardFlag.PREALLOCATE.value()).isEqualTo(0x1000);
        assertThatThrownBy(() -> SCardFlag.fromMask(0x10000))
                .isInstanceOf(SCardException.class).hasMessageContaining("0x00010000");
    }

    @Test
    void valueTypesCopyTheirArrays() {
        byte[] atr = {0x3B, 0x00};
        ReaderInfo reader = new ReaderInfo("R", "simulator", CardState.SPECIFIC_MODE, atr, false);
        atr[0] = 0;
        assertThat(reader.atr()).containsExactly(0x3B, 0x00);
        reader.atr()[0] = 1;
        assertThat(reader.atrHex()).isEqualTo("3B00");
        assertThat(reader.cardPresent()).isTrue();
        assertThat(reader).isEqualTo(new ReaderInfo("R", "simulator", CardState.SPECIFIC_MODE, new byte[] {0x3B, 0}, false));
        assertThat(new ReaderInfo("R", "simulator", CardState.ABSENT, null, false).cardPresent()).isFalse();

        CardStatus status = new CardStatus(CardState.ABSENT, Protocol.UNDEFINED, "R", null);
        assertThat(status.atr()).isEmpty();

        Tlv tlv = Tlv.of(0x80, new byte[] {0, 16});
        assertThat(tlv.toString()).isEqualTo("80=0010");
        assertThat(Tlv.missing(0x88).valid()).isFalse();
        assertThatThrownBy(() -> Tlv.of(0, new byte[0])).isInstanceOf(SCardException.class);
        assertThat(Protocol.T0_OR_T1).isEqualTo(Set.of(Protocol.T0, Protocol.T1));
    }
}
