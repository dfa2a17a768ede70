package dev.scard.pcsc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.pcsc.internal.PcscPlatform.Os;

/** The type sizes, layouts, constants and state decoding of every platform, checked on any machine. */
class PcscPlatformTest {

    private static final PcscPlatform LINUX64 = PcscPlatform.linux(8);
    private static final PcscPlatform LINUX32 = PcscPlatform.linux(4);
    private static final PcscPlatform MACOS = PcscPlatform.macos();
    private static final PcscPlatform WINDOWS64 = PcscPlatform.windows(8);
    private static final PcscPlatform WINDOWS32 = PcscPlatform.windows(4);

    @Test
    void linuxUsesUnsignedLongDwordsAndLongHandles() {
        assertThat(LINUX64.os()).isEqualTo(Os.LINUX);
        assertThat(LINUX64.dwordSize()).isEqualTo(8);
        assertThat(LINUX64.longSize()).isEqualTo(8);
        assertThat(LINUX64.handleSize()).isEqualTo(8);
        assertThat(LINUX32.dwordSize()).isEqualTo(4);
        assertThat(LINUX32.longSize()).isEqualTo(4);
        assertThat(LINUX32.handleSize()).isEqualTo(4);
        assertThat(LINUX64.defaultLibrary()).isEqualTo("libpcsclite.so.1");
        assertThat(LINUX64.functionName("SCardConnect", true)).isEqualTo("SCardConnect");
        assertThat(LINUX64.stdcall()).isFalse();
        assertThat(LINUX64.charset()).isEqualTo(StandardCharsets.UTF_8);
    }

    @Test
    void macosUsesFixed32BitTypesAndTheFramework() {
        assertThat(MACOS.os()).isEqualTo(Os.MACOS);
        assertThat(MACOS.dwordSize()).isEqualTo(4);
        assertThat(MACOS.longSize()).isEqualTo(4);
        assertThat(MACOS.handleSize()).isEqualTo(4);
        assertThat(MACOS.pointerSize()).isEqualTo(8);
        assertThat(MACOS.defaultLibrary()).isEqualTo("/System/Library/Frameworks/PCSC.framework/PCSC");
        assertThat(MACOS.functionName("SCardListReaders", true)).isEqualTo("SCardListReaders");
        assertThat(MACOS.packed()).isTrue();
    }

    @Test
    void windowsUses32BitDwordsPointerSizedHandlesAndAnsiFunctions() {
        assertThat(WINDOWS64.os()).isEqualTo(Os.WINDOWS);
        assertThat(WINDOWS64.dwordSize()).isEqualTo(4);
        assertThat(WINDOWS64.longSize()).isEqualTo(4);
        assertThat(WINDOWS64.handleSize()).isEqualTo(8);
        assertThat(WINDOWS32.handleSize()).isEqualTo(4);
        assertThat(WINDOWS64.defaultLibrary()).isEqualTo("winscard.dll");
        assertThat(WINDOWS64.functionName("SCardConnect", true)).isEqualTo("SCardConnectA");
        assertThat(WINDOWS64.functionName("SCardStatus", true)).isEqualTo("SCardStatusA");
        assertThat(WINDOWS64.functionName("SCardTransmit", false)).isEqualTo("SCardTransmit");
        assertThat(WINDOWS64.stdcall()).isFalse();
        assertThat(WINDOWS32.stdcall()).as("WINAPI is __stdcall on 32-bit Windows").isTrue();
    }

    @Test
    void platformsAreChosenByOperatingSystemName() {
        assertThat(PcscPlatform.of("Linux", 8).os()).isEqualTo(Os.LINUX);
        assertThat(PcscPlatform.of("FreeBSD", 8).os()).isEqualTo(Os.LINUX);
        assertThat(PcscPlatform.of("Mac OS X", 8).os()).isEqualTo(Os.MACOS);
        assertThat(PcscPlatform.of("Windows 11", 8).os()).isEqualTo(Os.WINDOWS);
        assertThat(PcscPlatform.of("Windows 11", 8).handleSize()).isEqualTo(8);
        assertThatThrownBy(() -> PcscPlatform.of("Plan 9", 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Plan 9");
        assertThatThrownBy(() -> PcscPlatform.linux(2)).isInstanceOf(IllegalArgumentException.class);
        assertThat(PcscPlatform.current()).isNotNull();
    }

    @Test
    void readerStateLayoutFollowsEachPlatformsHeaders() {
        // pcsc-lite 64-bit: two pointers, three unsigned longs, 33 ATR bytes, padded to 8
        assertThat(layout(LINUX64)).containsExactly(0, 16, 24, 32, 40, 80);
        // pcsc-lite 32-bit: 53 bytes padded to 4
        assertThat(layout(LINUX32)).containsExactly(0, 8, 12, 16, 20, 56);
        // macOS: #pragma pack(1), uint32_t fields, no padding
        assertThat(layout(MACOS)).containsExactly(0, 16, 20, 24, 28, 61);
        // Windows x64: 32-bit DWORDs, rgbAtr[36]
        assertThat(layout(WINDOWS64)).containsExactly(0, 16, 20, 24, 28, 64);
        // Windows x86
        assertThat(layout(WINDOWS32)).containsExactly(0, 8, 12, 16, 20, 56);
        assertThat(LINUX64.maxAtrSize()).isEqualTo(33);
        assertThat(WINDOWS64.maxAtrSize()).isEqualTo(36);
    }

    private static int[] layout(PcscPlatform platform) {
        return new int[] {platform.readerStateNameOffset(), platform.readerStateCurrentOffset(),
            platform.readerStateEventOffset(), platform.readerStateAtrLengthOffset(), platform.readerStateAtrOffset(),
            platform.readerStateSize()};
    }

    @Test
    void ioRequestIsTwoDwords() {
        assertThat(LINUX64.ioRequestSize()).isEqualTo(16);
        assertThat(LINUX64.ioRequestLengthOffset()).isEqualTo(8);
        assertThat(LINUX32.ioRequestSize()).isEqualTo(8);
        assertThat(MACOS.ioRequestSize()).isEqualTo(8);
        assertThat(MACOS.ioRequestLengthOffset()).isEqualTo(4);
        assertThat(WINDOWS64.ioRequestSize()).isEqualTo(8);
    }

    @Test
    void rawIsFourOnPcscLiteAndMacosButHex10000OnWindows() {
        assertThat(LINUX64.protocolRaw()).isEqualTo(4);
        assertThat(MACOS.protocolRaw()).isEqualTo(4);
        assertThat(WINDOWS64.protocolRaw()).isEqualTo(0x10000);
        for (PcscPlatform platform : new PcscPlatform[] {LINUX64, MACOS, WINDOWS64}) {
            assertThat(platform.protocolMask(EnumSet.of(Protocol.T0))).isEqualTo(1);
            assertThat(platform.protocolMask(EnumSet.of(Protocol.T1))).isEqualTo(2);
            assertThat(platform.protocolMask(Protocol.T0_OR_T1)).isEqualTo(3);
            assertThat(platform.protocolMask(EnumSet.of(Protocol.RAW))).isEqualTo(platform.protocolRaw());
            assertThat(platform.protocolMask(EnumSet.allOf(Protocol.class))).isEqualTo(3 | platform.protocolRaw());
            assertThat(platform.protocol(0)).isEqualTo(Protocol.UNDEFINED);
            assertThat(platform.protocol(1)).isEqualTo(Protocol.T0);
            assertThat(platform.protocol(2)).isEqualTo(Protocol.T1);
            assertThat(platform.protocol(platform.protocolRaw())).isEqualTo(Protocol.RAW);
            assertThat(platform.protocol(8)).as("T=15").isEqualTo(Protocol.UNDEFINED);
            assertThat(Protocol.RAW.value()).as("the contract's RAW").isEqualTo(0xFF);
        }
        assertThat(WINDOWS64.protocol(4)).as("4 is not RAW on Windows").isEqualTo(Protocol.UNDEFINED);
        assertThat(LINUX64.protocol(0x10000)).isEqualTo(Protocol.UNDEFINED);
    }

    @Test
    void shareModesAndDispositionsKeepTheirValues() {
        for (PcscPlatform platform : new PcscPlatform[] {LINUX64, MACOS, WINDOWS64}) {
            assertThat(platform.shareMode(ShareMode.EXCLUSIVE)).isEqualTo(1);
            assertThat(platform.shareMode(ShareMode.SHARED)).isEqualTo(2);
            assertThat(platform.disposition(Disposition.LEAVE)).isZero();
            assertThat(platform.disposition(Disposition.RESET)).isEqualTo(1);
            assertThat(platform.disposition(Disposition.UNPOWER)).isEqualTo(2);
            assertThat(platform.disposition(Disposition.EJECT)).isEqualTo(3);
        }
    }

    @Test
    void pcscLiteAndMacosReportStatesAsBitMasks() {
        for (PcscPlatform platform : new PcscPlatform[] {LINUX64, MACOS}) {
            assertThat(platform.cardState(0x0002)).isEqualTo(CardState.ABSENT);
            assertThat(platform.cardState(0x0004)).isEqualTo(CardState.PRESENT);
            assertThat(platform.cardState(0x0004 | 0x0008)).isEqualTo(CardState.SWALLOWED);
            assertThat(platform.cardState(0x0004 | 0x0010)).isEqualTo(CardState.POWERED);
            assertThat(platform.cardState(0x0034)).as("present, powered, negotiable")
                    .isEqualTo(CardState.NEGOTIABLE_MODE);
            assertThat(platform.cardState(0x0054)).isEqualTo(CardState.SPECIFIC_MODE);
            assertThat(platform.cardState(0x0040)).isEqualTo(CardState.SPECIFIC_MODE);
            assertThat(platform.cardState(0x0001)).as("SCARD_UNKNOWN").isEqualTo(CardState.ABSENT);
            assertThat(platform.cardState(0)).isEqualTo(CardState.ABSENT);
        }
        // pcsc-lite's event counter in the upper 16 bits does not change the state
        assertThat(LINUX64.cardState(0x0005_0034)).isEqualTo(CardState.NEGOTIABLE_MODE);
        assertThat(LINUX64.cardState(0x0005_0002)).isEqualTo(CardState.ABSENT);
    }

    @Test
    void windowsReportsStatesAsAnEnumeration() {
        assertThat(WINDOWS64.cardState(0)).as("SCARD_UNKNOWN").isEqualTo(CardState.ABSENT);
        assertThat(WINDOWS64.cardState(1)).isEqualTo(CardState.ABSENT);
        assertThat(WINDOWS64.cardState(2)).isEqualTo(CardState.PRESENT);
        assertThat(WINDOWS64.cardState(3)).isEqualTo(CardState.SWALLOWED);
        assertThat(WINDOWS64.cardState(4)).isEqualTo(CardState.POWERED);
        assertThat(WINDOWS64.cardState(5)).isEqualTo(CardState.NEGOTIABLE_MODE);
        assertThat(WINDOWS64.cardState(6)).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(WINDOWS64.cardState(0x40)).as("not a Windows value").isEqualTo(CardState.ABSENT);
        // the same numbers read as pcsc-lite bits mean something else
        assertThat(LINUX64.cardState(6)).isEqualTo(CardState.PRESENT);
    }

    @Test
    void aConnectionWithAnActiveProtocolIsInSpecificMode() {
        assertThat(LINUX64.connectionState(0x0034, Protocol.T1)).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(LINUX64.connectionState(0x0034, Protocol.UNDEFINED)).isEqualTo(CardState.NEGOTIABLE_MODE);
        assertThat(LINUX64.connectionState(0x0014, Protocol.RAW)).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(LINUX64.connectionState(0x000C, Protocol.T0)).as("not powered: stays").isEqualTo(CardState.SWALLOWED);
        assertThat(WINDOWS64.connectionState(4, Protocol.T0)).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(WINDOWS64.connectionState(1, Protocol.T0)).isEqualTo(CardState.ABSENT);
    }

    @Test
    void readerStatesFromStatusChangeMapToCardStates() {
        assertThat(PcscPlatform.readerCardState(0x0012)).as("empty (changed)").isEqualTo(CardState.ABSENT);
        assertThat(PcscPlatform.readerCardState(0x0022)).as("present").isEqualTo(CardState.POWERED);
        assertThat(PcscPlatform.readerCardState(0x00A2)).as("present, exclusive").isEqualTo(CardState.POWERED);
        assertThat(PcscPlatform.readerCardState(0x0122)).as("present, in use").isEqualTo(CardState.POWERED);
        assertThat(PcscPlatform.readerCardState(0x0222)).as("mute").isEqualTo(CardState.PRESENT);
        assertThat(PcscPlatform.readerCardState(0x0422)).as("unpowered").isEqualTo(CardState.SWALLOWED);
        assertThat(PcscPlatform.readerCardState(0x000E)).as("unknown reader").isEqualTo(CardState.ABSENT);
        assertThat(PcscPlatform.readerCardState(0x0028)).as("unavailable").isEqualTo(CardState.ABSENT);
        assertThat(PcscPlatform.readerCardState(0)).isEqualTo(CardState.ABSENT);
    }

    @Test
    void onlyPcscLiteHasTheEventCounterAndTheLockProbe() {
        assertThat(LINUX64.hasEventCounter()).isTrue();
        assertThat(LINUX64.eventCounter(0x0007_0022L)).isEqualTo(7);
        assertThat(LINUX64.eventCounter(0xFFFF_0022L)).isEqualTo(0xFFFF);
        assertThat(MACOS.eventCounter(0x0007_0022L)).isEqualTo(-1);
        assertThat(WINDOWS64.eventCounter(0x0007_0022L)).isEqualTo(-1);
        assertThat(LINUX64.probesLocks()).isTrue();
        assertThat(MACOS.probesLocks()).isFalse();
        assertThat(WINDOWS64.probesLocks()).isFalse();
        assertThat(LINUX64.maxReadersPerStatusCall()).isEqualTo(16);
    }

    @Test
    void returnCodesMapToTheContractWithPcscLitesUnsupportedFeature() {
        assertThat(LINUX64.hresult(0x8010001F)).isEqualTo(HResult.SCARD_E_UNSUPPORTED_FEATURE);
        assertThat(MACOS.hresult(0x8010001F)).isEqualTo(HResult.SCARD_E_UNSUPPORTED_FEATURE);
        assertThat(WINDOWS64.hresult(0x8010001F)).isEqualTo(HResult.SCARD_E_UNEXPECTED);
        assertThat(WINDOWS64.hresult(0x80100022)).isEqualTo(HResult.SCARD_E_UNSUPPORTED_FEATURE);
        assertThat(LINUX64.hresult(0x80100022)).isEqualTo(HResult.SCARD_E_UNSUPPORTED_FEATURE);
        assertThat(LINUX64.hresult(0)).isEqualTo(HResult.SCARD_S_SUCCESS);
        assertThat(WINDOWS64.hresult(0x109)).isEqualTo(HResult.ERROR_BROKEN_PIPE);
        assertThat(LINUX64.hresult(0x8010FFFF)).as("not named by the contract").isNull();
        assertThat(LINUX64.hresult(0x80070057)).as("not a smart-card code").isNull();
        assertThat(WINDOWS64.hresult(6)).as("ERROR_INVALID_HANDLE").isNull();
        // every smart-card code of the contract maps to itself on Windows, and on pcsc-lite except 0x8010001F
        for (HResult code : HResult.values()) {
            if ((code.value() & 0xFFFF0000) != 0x80100000) {
                continue;
            }
            assertThat(WINDOWS64.hresult(code.value())).as(code.name()).isEqualTo(code);
            if (code != HResult.SCARD_E_UNEXPECTED) {
                assertThat(LINUX64.hresult(code.value())).as(code.name()).isEqualTo(code);
            }
        }
    }

    @Test
    void everyProtocolSetHasAMask() {
        for (Set<Protocol> set : java.util.List.of(EnumSet.of(Protocol.T0), EnumSet.of(Protocol.T1),
                EnumSet.of(Protocol.RAW), Protocol.T0_OR_T1, EnumSet.of(Protocol.T1, Protocol.RAW))) {
            assertThat(LINUX64.protocolMask(set)).isPositive();
        }
    }
}
