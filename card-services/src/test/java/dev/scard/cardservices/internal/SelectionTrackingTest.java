package dev.scard.cardservices.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.RefType;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.cardservices.internal.ListingOnSampleCardTest.Recorder;
import dev.scard.testsupport.Expect;

/**
 * How many APDUs reach the sample card per file operation (a recording wrapper around the manager observes them):
 * one SELECT per operation under the lock, and a SELECT again whenever something may have changed the selection
 * (no lock, another file access, a reconnect, a command that changes the selection).
 */
class SelectionTrackingTest {
    private static final String SELECT_2F01 = "00A40804022F0100";
    private static final String SELECT_2F00 = "00A40804022F0000";

    private final SampleCard card = new SampleCard();
    private final Recorder recorder = new Recorder(card.manager());
    /** The attachment view: one object for every service of the attachment, as the manager hands it out. */
    private final dev.scard.api.ISCardManage view = recorder.proxy();
    private final IsoFileAccess files = new IsoFileAccess(view);

    @AfterEach
    void close() {
        card.close();
    }

    /** What the shell's cat does: open, the open file's FCP, read until the end, close. */
    private byte[] cat(IsoFileAccess access, String path) {
        long handle = access.open(RefType.BY_ID, path);
        try {
            access.getFileCapabilities(List.of(), SCardFlag.NONE);
            return access.read(handle, 0, SCardFlag.NONE);
        } finally {
            access.close(handle);
        }
    }

    @Test
    void underTheLockAFileIsSelectedOncePerOperation() {
        card.manager().lock();
        assertThat(new String(cat(files, "2F01"), StandardCharsets.US_ASCII)).startsWith("SCard simulator sample card");
        assertThat(recorder.sent).containsExactly(SELECT_2F01, "00B0000040");
        recorder.sent.clear();
        // Three records: one SELECT and three READ RECORD; the fourth read ends at the record count of the FCP.
        long handle = files.open(RefType.BY_ID, "3F00/5015/5132");
        for (int i = 0; i < 3; i++) {
            assertThat(files.read(handle, 0, SCardFlag.NONE)).hasSize(8);
        }
        Expect.failure(dev.scard.api.HResult.SCARD_W_EOF, () -> files.read(handle, 0, SCardFlag.NONE));
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 0);
        files.write(handle, "cyclic 9".getBytes(StandardCharsets.US_ASCII), SCardFlag.NONE);
        files.close(handle);
        assertThat(recorder.sent).containsExactly("00A40804045015513200", "00B2010400", "00B2020400", "00B2030400",
                "00DC0104086379636C69632039");
    }

    @Test
    void withoutTheLockEveryCallSelectsOnce() {
        cat(files, "2F01");
        assertThat(recorder.sent).containsExactly(SELECT_2F01, SELECT_2F01, SELECT_2F01, "00B0000040");
    }

    @Test
    void aClosedFileIsSelectedAgainByTheNextOperation() {
        card.manager().lock();
        cat(files, "2F01");
        cat(files, "2F01");
        assertThat(recorder.sent).containsExactly(SELECT_2F01, "00B0000040", SELECT_2F01, "00B0000040");
    }

    @Test
    void anotherFileAccessInBetweenMakesItSelectAgain() {
        card.manager().lock();
        IsoFileAccess other = new IsoFileAccess(view);
        long mine = files.open(RefType.BY_ID, "2F01");
        long theirs = other.open(RefType.BY_ID, "2F00");
        assertThat(new String(files.read(mine, 0, SCardFlag.NONE), StandardCharsets.US_ASCII))
                .startsWith("SCard simulator");
        assertThat(other.read(theirs, 0, SCardFlag.NONE)).startsWith(0x61, 0x0E);
        assertThat(recorder.sent).containsExactly(SELECT_2F01, SELECT_2F00, SELECT_2F01, "00B0000040", SELECT_2F00,
                "00B2010400");
    }

    @Test
    void aReconnectOrALostLockMakesItSelectAgain() {
        card.manager().lock();
        long handle = files.open(RefType.BY_ID, "2F01");
        card.manager().reconnect(Disposition.RESET); // ends the lock; the card has the MF selected again
        assertThat(new String(files.read(handle, 0, SCardFlag.NONE), StandardCharsets.US_ASCII))
                .startsWith("SCard simulator");
        assertThat(recorder.sent).containsExactly(SELECT_2F01, SELECT_2F01, "00B0000040");
        recorder.sent.clear();
        card.manager().lock();
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 0);
        files.read(handle, 4, SCardFlag.NONE);
        card.manager().unlock();
        files.read(handle, 4, SCardFlag.NONE);
        assertThat(recorder.sent).containsExactly(SELECT_2F01, "00B0000004", SELECT_2F01, "00B0000404");
    }

    @Test
    void aCommandThatMayChangeTheSelectionMakesItSelectAgain() {
        card.manager().lock();
        long handle = files.open(RefType.BY_ID, "2F01");
        files.directory(dev.scard.api.FileType.ALL_FILES); // selects the MF and the listed files
        files.read(handle, 4, SCardFlag.NONE);
        assertThat(recorder.sent).endsWith(SELECT_2F01, "00B0000004");
        assertThat(CardChannel.keepsSelection(new byte[] {0x00, (byte) 0xB0, (byte) 0x81, 0x00, 0x04}))
                .as("READ BINARY with a short identifier selects another EF").isFalse();
        assertThat(CardChannel.keepsSelection(new byte[] {0x00, (byte) 0xB0, 0x00, 0x10, 0x04})).isTrue();
        assertThat(CardChannel.keepsSelection(new byte[] {0x00, (byte) 0xE2, 0x00, 0x00, 0x01, 0x01}))
                .as("APPEND RECORD changes the record count of the FCP").isFalse();
        assertThat(CardChannel.keepsSelection(new byte[] {0x00, (byte) 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00}))
                .isFalse();
        assertThat(CardChannel.keepsSelection(new byte[] {0x00, 0x20, 0x00, 0x01})).isTrue();
    }
}
