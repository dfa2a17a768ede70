package dev.scard.pcsc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

import dev.scard.pcsc.internal.PcscApi.ReaderState;

/**
 * Arguments, out parameters and structures as each platform's library reads and writes them, checked byte by byte
 * in native memory on whatever machine the tests run.
 */
class PcscMarshalTest {

    private static final PcscMarshal LINUX64 = new PcscMarshal(PcscPlatform.linux(8));
    private static final PcscMarshal LINUX32 = new PcscMarshal(PcscPlatform.linux(4));
    private static final PcscMarshal MACOS = new PcscMarshal(PcscPlatform.macos());
    private static final PcscMarshal WINDOWS64 = new PcscMarshal(PcscPlatform.windows(8));
    private static final PcscMarshal WINDOWS32 = new PcscMarshal(PcscPlatform.windows(4));

    @Test
    void argumentsAreBoxedToTheSizeOfTheirCType() {
        assertThat(LINUX64.dword(2)).isEqualTo(2L);
        assertThat(LINUX64.handle(0x1234)).isEqualTo(0x1234L);
        assertThat(LINUX32.dword(2)).isEqualTo(2);
        assertThat(LINUX32.handle(0x1234)).isEqualTo(0x1234);
        assertThat(MACOS.dword(2)).isEqualTo(2);
        assertThat(MACOS.handle(0x1234)).isEqualTo(0x1234);
        assertThat(WINDOWS64.dword(2)).isEqualTo(2);
        assertThat(WINDOWS64.handle(0x1234)).as("ULONG_PTR").isEqualTo(0x1234L);
        assertThat(WINDOWS32.handle(0x1234)).isEqualTo(0x1234);
        assertThat(MACOS.dword(0xFFFF_FFFFL)).as("INFINITE fits a uint32_t").isEqualTo(-1);
    }

    @Test
    void outParametersHaveTheSizeOfTheirCType() {
        assertThat(LINUX64.dwordMemory(7).size()).isEqualTo(8);
        assertThat(LINUX64.handleMemory().size()).isEqualTo(8);
        assertThat(MACOS.dwordMemory(7).size()).isEqualTo(4);
        assertThat(MACOS.handleMemory().size()).isEqualTo(4);
        assertThat(WINDOWS64.dwordMemory(7).size()).isEqualTo(4);
        assertThat(WINDOWS64.handleMemory().size()).isEqualTo(8);
        assertThat(LINUX64.readDword(LINUX64.dwordMemory(0x8010_0069L), 0)).isEqualTo(0x8010_0069L);
        assertThat(MACOS.readDword(MACOS.dwordMemory(0x8010_0069L), 0)).as("read unsigned").isEqualTo(0x8010_0069L);
        Memory handle = WINDOWS32.handleMemory();
        handle.setInt(0, 0x7ABC_DEF0);
        assertThat(WINDOWS32.readHandle(handle)).isEqualTo(0x7ABC_DEF0L);
    }

    @Test
    void ioRequestsCarryTheProtocolAndTheirOwnLength() {
        Memory linux = new Memory(16);
        LINUX64.writeIoRequest(linux, 2);
        assertThat(linux.getLong(0)).isEqualTo(2);
        assertThat(linux.getLong(8)).isEqualTo(16);
        Memory mac = new Memory(8);
        MACOS.writeIoRequest(mac, 4);
        assertThat(mac.getInt(0)).isEqualTo(4);
        assertThat(mac.getInt(4)).isEqualTo(8);
        Memory windows = new Memory(8);
        WINDOWS64.writeIoRequest(windows, 0x10000);
        assertThat(windows.getInt(0)).as("Windows RAW").isEqualTo(0x10000);
        assertThat(windows.getInt(4)).isEqualTo(8);
    }

    @Test
    void readerStateArraysUseEachPlatformsLayout() {
        for (PcscMarshal marshal : new PcscMarshal[] {LINUX64, LINUX32, MACOS, WINDOWS64, WINDOWS32}) {
            PcscPlatform platform = platformOf(marshal);
            ReaderState[] readers = {new ReaderState("Reader A"), new ReaderState("Reader B")};
            readers[1].currentState = 0x22;
            List<Memory> names = new ArrayList<>();
            Memory states = marshal.readerStates(readers, names);
            int size = platform.readerStateSize();
            assertThat(states.size()).as("%s", platform).isEqualTo(2L * size);
            assertThat(names).hasSize(2);
            Pointer second = states.getPointer(size + platform.readerStateNameOffset());
            assertThat(second.getString(0, StandardCharsets.UTF_8.name())).isEqualTo("Reader B");
            assertThat(marshal.readDword(states, size + platform.readerStateCurrentOffset())).isEqualTo(0x22);

            // what the library writes back: state words and ATRs
            marshal.writeDword(states, platform.readerStateEventOffset(), 0x0003_0022L);
            marshal.writeDword(states, platform.readerStateAtrLengthOffset(), 4);
            states.write(platform.readerStateAtrOffset(), new byte[] {0x3B, 0x02, 0x14, 0x50}, 0, 4);
            marshal.writeDword(states, size + platform.readerStateEventOffset(), 0x12);
            marshal.writeDword(states, size + platform.readerStateAtrLengthOffset(), 99); // more than fits
            marshal.readReaderStates(states, readers);
            assertThat(readers[0].eventState).isEqualTo(0x0003_0022L);
            assertThat(readers[0].atr).containsExactly(0x3B, 0x02, 0x14, 0x50);
            assertThat(readers[1].eventState).isEqualTo(0x12);
            assertThat(readers[1].atr).hasSize(platform.maxAtrSize());
        }
    }

    @Test
    void multiStringsEndAtTheEmptyString() {
        byte[] list = "Virtual PCD 00 00\0Virtual PCD 00 01\0\0garbage".getBytes(StandardCharsets.UTF_8);
        assertThat(LINUX64.multiString(list)).containsExactly("Virtual PCD 00 00", "Virtual PCD 00 01");
        assertThat(LINUX64.multiString("\0\0".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(LINUX64.multiString("Lecteur é\0\0".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("Lecteur é");
        Memory name = MACOS.cString("Reader é");
        assertThat(name.size()).isEqualTo("Reader é".getBytes(StandardCharsets.UTF_8).length + 1);
        assertThat(name.getByte(name.size() - 1)).isZero();
    }

    private static PcscPlatform platformOf(PcscMarshal marshal) {
        if (marshal == LINUX64) {
            return PcscPlatform.linux(8);
        }
        if (marshal == LINUX32) {
            return PcscPlatform.linux(4);
        }
        if (marshal == MACOS) {
            return PcscPlatform.macos();
        }
        return marshal == WINDOWS64 ? PcscPlatform.windows(8) : PcscPlatform.windows(4);
    }
}
