package dev.scard.trace;

import static dev.scard.trace.TraceJsonTest.HEADER;
import static dev.scard.trace.TraceJsonTest.HEX;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;

/** The model: redaction, matching a received command, the checks on values, secrets. */
class TraceEntryTest {

    @Test
    void aRedactedCommandKeepsHeaderAndLcAndMatchesAnyDataOfThatLength() {
        byte[] verify = HEX.parseHex("002000810431323334");
        TraceEntry entry = TraceEntry.redactedApdu(1, verify, HEX.parseHex("9000"), false);
        assertThat(entry.command()).isEqualTo(HEX.parseHex("0020008104"));
        assertThat(entry.redacted()).isEqualTo(4);
        assertThat(entry.toString()).isEqualTo("apdu at 1.0 ms: 0020008104 (4 data bytes redacted) -> SW 9000")
                .doesNotContain("31323334");

        assertThat(entry.answers(verify)).isTrue();
        assertThat(entry.answers(HEX.parseHex("0020008104FFFFFFFF"))).isTrue();
        assertThat(entry.answers(HEX.parseHex("0020008104FFFFFFFF00"))).as("with an Le").isTrue();
        assertThat(entry.answers(HEX.parseHex("002000810531323334FF"))).as("another length").isFalse();
        assertThat(entry.answers(HEX.parseHex("002000820431323334"))).as("another PIN reference").isFalse();
        assertThat(entry.answers(HEX.parseHex("0020008104"))).as("the header alone").isFalse();
        assertThat(entry.answers(HEX.parseHex("00200081043132"))).as("malformed").isFalse();
        assertThat(entry.answers(null)).isFalse();
    }

    @Test
    void anExtendedRedactedCommandKeepsTheThreeByteLc() {
        byte[] data = new byte[300];
        byte[] command = new byte[7 + 300];
        byte[] header = HEX.parseHex("0024000100012C");
        System.arraycopy(header, 0, command, 0, 7);
        System.arraycopy(data, 0, command, 7, 300);
        TraceEntry entry = TraceEntry.redactedApdu(0, command, HEX.parseHex("9000"), false);
        assertThat(entry.command()).isEqualTo(header);
        assertThat(entry.redacted()).isEqualTo(300);
        assertThat(entry.answers(command)).isTrue();
        assertThat(TraceEntry.storedApdu(0, header, 300, HEX.parseHex("9000"), false)).isEqualTo(entry);
    }

    @Test
    void aCommandWithoutDataIsNotRedacted() {
        TraceEntry entry = TraceEntry.redactedApdu(0, HEX.parseHex("0020008100"), HEX.parseHex("63C3"), false);
        assertThat(entry.redacted()).isZero();
        assertThat(entry.command()).isEqualTo(HEX.parseHex("0020008100"));
        assertThat(entry.statusWord()).isEqualTo(0x63C3);
    }

    @Test
    void aWholeCommandMatchesOnlyItsOwnBytes() {
        TraceEntry entry = TraceEntry.apdu(0, HEX.parseHex("00B0000010"), HEX.parseHex("9000"), false);
        assertThat(entry.answers(HEX.parseHex("00B0000010"))).isTrue();
        assertThat(entry.answers(HEX.parseHex("00B0000011"))).isFalse();
        assertThat(TraceEntry.removed(1).answers(HEX.parseHex("00B0000010"))).isFalse();
    }

    @Test
    void valuesOutOfRangeAreRefused() {
        byte[] sw = HEX.parseHex("9000");
        assertThatThrownBy(() -> TraceEntry.apdu(-1, HEX.parseHex("00B00000"), sw, false))
                .hasMessage("an entry's time must be a finite number of milliseconds >= 0");
        assertThatThrownBy(() -> TraceEntry.apdu(Double.NaN, HEX.parseHex("00B00000"), sw, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TraceEntry.apdu(0, HEX.parseHex("00B000"), sw, false))
                .hasMessage("a command must have 4 to 65544 bytes");
        assertThatThrownBy(() -> TraceEntry.apdu(0, HEX.parseHex("00B00000"), new byte[1], false))
                .hasMessage("a response must have 2 to 65538 bytes (data and the status word)");
        assertThatThrownBy(() -> TraceEntry.inserted(0, new byte[34])).hasMessage("an ATR must have 2 to 33 bytes");
        assertThatThrownBy(() -> TraceEntry.reset(0, null)).hasMessage("disposition must not be null");
        assertThatThrownBy(() -> TraceEntry.storedApdu(0, HEX.parseHex("0020008104"), 5, sw, false))
                .hasMessage("a redacted command must be the header and an Lc of 5 (5 bytes, or 7 in the extended form)");
        assertThatThrownBy(() -> TraceHeader.of("r", "b", java.time.Instant.EPOCH, new byte[] {0x3B, 0}, Protocol.RAW))
                .hasMessage("the protocol must be T0 or T1");
        assertThatThrownBy(() -> Trace.of(HEADER, List.of(TraceEntry.lock(2), TraceEntry.unlock(1, Disposition.LEAVE))))
                .hasMessage("entry 1 is earlier than the entry before it");
    }

    @Test
    void entriesAreImmutable() {
        byte[] command = HEX.parseHex("00B0000010");
        TraceEntry entry = TraceEntry.apdu(0, command, HEX.parseHex("9000"), false);
        command[0] = 1;
        entry.command()[1] = 2;
        assertThat(entry.command()).isEqualTo(HEX.parseHex("00B0000010"));
        byte[] atr = HEX.parseHex("3B00");
        TraceEntry reconnect = TraceEntry.reconnect(0, Disposition.RESET, ShareMode.EXCLUSIVE, Protocol.T0, atr);
        atr[0] = 0;
        assertThat(reconnect.atr()).isEqualTo(HEX.parseHex("3B00"));
        assertThat(reconnect.toString()).isEqualTo("reconnect at 0.0 ms: RESET, EXCLUSIVE, T0, ATR 3B00");
        assertThat(reconnect.command()).isNull();
        assertThat(reconnect.statusWord()).isEqualTo(-1);
    }
}
