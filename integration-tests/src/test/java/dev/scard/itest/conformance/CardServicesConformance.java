package dev.scard.itest.conformance;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.api.ShareMode;
import dev.scard.api.Tlv;
import dev.scard.itest.support.OsgiTestSupport;

/**
 * The card services every backend offers through {@code createFileAccess}, {@code createCHVerification},
 * {@code createCardAuth} and {@code createInterface}, with the {@code dev.scard.card-services} bundle's generic ISO
 * 7816-4 implementations, against the simulator's sample card in {@link #cardReader()} (in-process, or served
 * through pcscd and vpcd). Part of the conformance suite: {@link ISCardManageConformance} extends it, so every
 * backend runs these tests.
 *
 * <p>The sample card is shared by every test of the run: each test leaves it as it found it (PINs verified back
 * to full tries, files rewritten, created files deleted, invalidated files rehabilitated).
 */
public abstract class CardServicesConformance extends OsgiTestSupport {

    static final byte[] PIN = ascii("1234");
    static final byte[] PUK = ascii("12345678");
    static final byte[] WRONG_PIN = ascii("9999");
    static final byte[] KEY = HexFormat.of().parseHex("000102030405060708090A0B0C0D0E0F");
    static final String AID = "A000000063504B43532D3135";
    static final String TEXT = "SCard simulator sample card";

    /** A reader holding the sample card at the start of every test. */
    protected abstract String cardReader();

    /** A reader with no card at the start of every test. */
    protected abstract String emptyReader();

    /** A fresh manager of the backend, released after the test. */
    protected abstract ISCardManage newManager() throws InterruptedException;

    /** A manager attached to {@link #cardReader()}. */
    protected abstract ISCardManage attachedToCard(ShareMode mode) throws InterruptedException;

    static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] padded(String text, int length) {
        return Arrays.copyOf(ascii(text), length);
    }

    private static byte[] aes(byte[] block) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"));
        return cipher.doFinal(block);
    }

    /** Verifies PIN 01 and, after the test, forgets it again (the card is shared). */
    private void verifyPin(ISCardVerify pins) {
        pins.verify(PIN, SCardFlag.NONE, 1);
        onCleanup(() -> {
            try {
                pins.resetSecurityState();
            } catch (SCardException e) {
                // the manager was released already: its attachment is gone, and with it nothing to forget here
            }
        });
    }

    // ---- creating the interfaces -------------------------------------------------------------------------------

    @Test
    void cardServicesComeFromTheGenericIsoProvider() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardFileAccess files = manager.createFileAccess();
        ISCardVerify pins = manager.createCHVerification();
        ISCardAuth auth = manager.createCardAuth();
        assertThat(files.toString()).startsWith("ISO 7816-4 ISCardFileAccess");
        assertThat(pins.toString()).startsWith("ISO 7816-4 ISCardVerify");
        assertThat(auth.toString()).startsWith("ISO 7816-4 ISCardAuth");
        assertThat(manager.createFileAccess()).as("a fresh object each time").isNotSameAs(files);
        assertThat(manager.createInterface(ISCardFileAccess.IID, null, null)).isInstanceOf(ISCardFileAccess.class);
        assertThat(manager.createInterface(null, "ISCardVerify", null)).isInstanceOf(ISCardVerify.class);
        assertThat(manager.createInterface(ISCardAuth.IID, "ignored", null)).isInstanceOf(ISCardAuth.class);

        SCardException unknown = failure(HResult.E_NOINTERFACE,
                () -> manager.createInterface(null, "NoSuchInterface", null));
        assertThat(unknown.getMessage()).contains("'NoSuchInterface'").contains(cardReader());
        UUID guid = UUID.fromString("11111111-2222-3333-4444-555555555555");
        assertThat(failure(HResult.E_NOINTERFACE, () -> manager.createInterface(guid, null, null)).getMessage())
                .contains(guid.toString());
        failure(HResult.E_INVALIDARG, () -> manager.createInterface(null, null, null));
    }

    @Test
    void creatingNeedsAnAttachmentAndACard() throws Exception {
        ISCardManage manager = newManager();
        failure(HResult.SCARD_E_INVALID_HANDLE, manager::createFileAccess);
        failure(HResult.SCARD_E_INVALID_HANDLE, manager::createCHVerification);
        failure(HResult.SCARD_E_INVALID_HANDLE, manager::createCardAuth);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> manager.createInterface(null, "CryptoProvider", null));
        manager.attachByIfd(emptyReader());
        failure(HResult.SCARD_E_NO_SMARTCARD, manager::createFileAccess);
        failure(HResult.SCARD_E_NO_SMARTCARD, manager::createCardAuth);
    }

    @Test
    void cardServicesDieWithTheAttachmentAndSurviveAReconnect() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardFileAccess files = manager.createFileAccess();
        ISCardVerify pins = manager.createCHVerification();
        ISCardAuth auth = manager.createCardAuth();
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        manager.reconnect(Disposition.RESET);
        assertThat(files.read(handle, 5, SCardFlag.NONE)).isEqualTo(ascii("SCard"));
        assertThat(auth.getChallenge(0, 8, null)).hasSize(8);
        manager.detach();
        for (SCardException e : new SCardException[] {
            failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.read(handle, 1, SCardFlag.NONE)),
            failure(HResult.SCARD_E_INVALID_HANDLE, files::getCurrentDir),
            failure(HResult.SCARD_E_INVALID_HANDLE, () -> pins.verify(PIN, SCardFlag.NONE, 1)),
            failure(HResult.SCARD_E_INVALID_HANDLE, () -> auth.getChallenge(0, 8, null))}) {
            assertThat(e.getMessage()).contains("the attachment this interface was created from has ended");
        }
        manager.attachByIfd(cardReader());
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.open(RefType.BY_ID, "3F00/2F01"));
        assertThat(manager.createFileAccess().getCurrentDir()).isEqualTo("3F00");
    }

    // ---- ISCardFileAccess --------------------------------------------------------------------------------------

    @Test
    void theWhole32KiBFileReadsInOneCallAndEndsWithEof() throws Exception {
        ISCardFileAccess files = attachedToCard(ShareMode.SHARED).createFileAccess();
        long handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        byte[] all = files.read(handle, 0, SCardFlag.NONE);
        assertThat(all).hasSize(32768);
        for (int i = 0; i < all.length; i++) {
            assertThat(all[i]).as("byte %d", i).isEqualTo((byte) i);
        }
        failure(HResult.SCARD_W_EOF, () -> files.read(handle, 1, SCardFlag.NONE));
        assertThat(files.seek(handle, SeekOrigin.FROM_END, -3)).isEqualTo(32765);
        assertThat(files.read(handle, 10, SCardFlag.NONE)).containsExactly(0xFD, 0xFE, 0xFF);
        failure(HResult.SCARD_E_BAD_SEEK, () -> files.seek(handle, SeekOrigin.RELATIVE, 1));
        files.close(handle);
        failure(HResult.SCARD_E_INVALID_HANDLE, () -> files.read(handle, 1, SCardFlag.NONE));
    }

    @Test
    void pathsDirectoriesAndWhatIsNotThere() throws Exception {
        ISCardFileAccess files = attachedToCard(ShareMode.SHARED).createFileAccess();
        assertThat(files.getCurrentDir()).isEqualTo("3F00");
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        files.changeDir(RefType.BY_NAME, "aid:" + AID);
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
        long record = files.open(RefType.BY_SHORT_ID, "sfi:11");
        assertThat(files.read(record, 0, SCardFlag.NONE)).isEqualTo(padded("fixed record 1", 16));
        files.changeDir(RefType.BY_ANY, "..");
        assertThat(files.getCurrentDir()).isEqualTo("3F00");
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.open(RefType.BY_ID, "3F00/5015/9999"));
        failure(HResult.SCARD_E_DIR_NOT_FOUND, () -> files.changeDir(RefType.BY_ID, "3F00/9999"));
        failure(HResult.SCARD_E_NO_DIR, () -> files.changeDir(RefType.BY_ID, "3F00/2F01"));
        failure(HResult.SCARD_E_NO_FILE, () -> files.open(RefType.BY_ID, "3F00/5015"));
        SCardException bad = failure(HResult.E_INVALIDARG, () -> files.open(RefType.BY_ID, "3F00/50X5"));
        assertThat(bad.getMessage()).contains("'3F00/50X5'").contains("'X'");
        assertThat(files.getProperties(RefType.BY_ID, "3F00/5015/4401", SCardFlag.NONE, 0x80, 0x84))
                .containsExactly(Tlv.of(0x80, new byte[] {(byte) 0x80, 0}), Tlv.missing(0x84));
    }

    @Test
    void recordFilesReadRecordByRecord() throws Exception {
        ISCardFileAccess files = attachedToCard(ShareMode.SHARED).createFileAccess();
        long fixed = files.open(RefType.BY_ID, "3F00/5015/5131");
        for (int i = 1; i <= 5; i++) {
            assertThat(files.read(fixed, 0, SCardFlag.NONE)).isEqualTo(padded("fixed record " + i, 16));
        }
        failure(HResult.SCARD_W_EOF, () -> files.read(fixed, 0, SCardFlag.NONE));
        long variable = files.open(RefType.BY_ID, "3F00/5015/5133");
        assertThat(files.read(variable, 0, SCardFlag.NONE)).isEqualTo(ascii("variable record one"));
        failure(HResult.SCARD_E_WRITE_TOO_MANY, () -> files.write(variable, new byte[33], SCardFlag.NONE));
    }

    @Test
    void writesNeedThePinMustFitAndReadBack() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardFileAccess files = manager.createFileAccess();
        ISCardVerify pins = manager.createCHVerification();
        long handle = files.open(RefType.BY_ID, "3F00/2F01");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.write(handle, ascii("x"), SCardFlag.NONE));
        verifyPin(pins);
        onCleanup(() -> {
            long restore = files.open(RefType.BY_ID, "3F00/2F01");
            files.write(restore, padded(TEXT, 64), SCardFlag.NONE);
        });
        files.write(handle, ascii("Hello"), SCardFlag.NONE);
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 0);
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(padded("Hello simulator sample card", 64));
        files.seek(handle, SeekOrigin.FROM_END, -2);
        failure(HResult.SCARD_E_WRITE_TOO_MANY, () -> files.write(handle, new byte[3], SCardFlag.NONE));
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> files.write(handle, new byte[1],
                Set.of(SCardFlag.SECURE_MESSAGING)));
    }

    @Test
    void invalidatedFilesAreUnreadableUntilRehabilitated() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardFileAccess files = manager.createFileAccess();
        long handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.invalidate("3F00/5015/4401", SCardFlag.NONE));
        verifyPin(manager.createCHVerification());
        files.invalidate("3F00/5015/4401", SCardFlag.NONE);
        onCleanup(() -> files.rehabilitate("3F00/5015/4401", SCardFlag.NONE));
        assertThat(failure(HResult.SCARD_E_NO_ACCESS, () -> files.read(handle, 1, SCardFlag.NONE)).getMessage())
                .contains("invalidated");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.open(RefType.BY_ID, "3F00/5015/4401"));
        files.rehabilitate("3F00/5015/4401", SCardFlag.NONE);
        assertThat(files.read(handle, 2, SCardFlag.NONE)).containsExactly(0, 1);
    }

    @Test
    void filesAreCreatedAndDeletedAfterThePin() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardFileAccess files = manager.createFileAccess();
        List<Tlv> fcp = List.of(Tlv.of(0x82, new byte[] {0x01}), Tlv.of(0x80, new byte[] {0x00, 0x10}));
        files.changeDir(RefType.BY_ID, "3F00/5015");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.create(RefType.BY_ID, "4410", fcp, SCardFlag.NONE, null));
        verifyPin(manager.createCHVerification());
        files.create(RefType.BY_ID, "4410", fcp, Set.of(SCardFlag.PREALLOCATE), ascii("created"));
        onCleanup(() -> {
            try {
                files.delete(RefType.BY_ID, "3F00/5015/4410", SCardFlag.NONE);
            } catch (SCardException e) {
                // deleted by the test already
            }
        });
        assertThat(files.read(files.open(RefType.BY_ANY, "4410"), 0, SCardFlag.NONE)).isEqualTo(padded("created", 16));
        failure(HResult.E_INVALIDARG, () -> files.create(RefType.BY_ID, "4410", fcp, SCardFlag.NONE, null));
        files.delete(RefType.BY_ID, "4410", SCardFlag.NONE);
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.open(RefType.BY_ANY, "4410"));
    }

    @Test
    void aFileAccessReselectsWhatItWorksOn() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardManage other = attachedToCard(ShareMode.SHARED);
        ISCardFileAccess files = manager.createFileAccess();
        long handle = files.open(RefType.BY_ID, "3F00/5015/4401");
        assertThat(files.read(handle, 4, SCardFlag.NONE)).containsExactly(0, 1, 2, 3);
        other.transmit(HexFormat.of().parseHex("00A4000C023F00")); // another application selects the MF
        manager.transmit(HexFormat.of().parseHex("00A4080C022F01")); // and raw APDUs of the same manager
        assertThat(files.read(handle, 4, SCardFlag.NONE)).containsExactly(4, 5, 6, 7);
    }

    // ---- ISCardVerify ------------------------------------------------------------------------------------------

    @Test
    void wrongPinsTellTheTriesLeftAndTheRightPinOpensTheProtectedFile() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardVerify pins = manager.createCHVerification();
        ISCardFileAccess files = manager.createFileAccess();
        long handle = files.open(RefType.BY_ID, "3F00/5015/4402");
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.read(handle, 0, SCardFlag.NONE));
        SCardException wrong = failure(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG_PIN, SCardFlag.NONE, 1));
        assertThat(wrong.remainingTries()).hasValue(2);
        assertThat(wrong.getMessage()).doesNotContain("9999", "39393939");
        // The state query is forced (the card services send it only to a card known not to count it).
        ISCardVerify forced = (ISCardVerify) manager.createInterface(ISCardVerify.IID, null, "IHV_CHECKONLY:force");
        SCardException state = failure(HResult.SCARD_W_WRONG_CHV,
                () -> forced.verify(new byte[0], Set.of(SCardFlag.IHV_CHECKONLY), 1));
        assertThat(state.remainingTries()).hasValue(2);
        verifyPin(pins);
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(padded("read and update after PIN 01", 32));
        pins.resetSecurityState();
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 0);
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.read(handle, 0, SCardFlag.NONE));
    }

    @Test
    void aBlockedPinIsUnblockedWithItsPuk() throws Exception {
        ISCardVerify pins = attachedToCard(ShareMode.SHARED).createCHVerification();
        for (int left = 2; left >= 0; left--) {
            assertThat(failure(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG_PIN, SCardFlag.NONE, 1))
                    .remainingTries()).hasValue(left);
        }
        onCleanup(() -> pins.unblock(PUK, PIN, SCardFlag.NONE, 1)); // in case the test fails below
        failure(HResult.SCARD_W_CHV_BLOCKED, () -> pins.verify(PIN, SCardFlag.NONE, 1));
        SCardException wrongPuk = failure(HResult.SCARD_W_WRONG_CHV,
                () -> pins.unblock(ascii("87654321"), PIN, SCardFlag.NONE, 1));
        assertThat(wrongPuk.remainingTries()).hasValue(9);
        assertThat(wrongPuk.getMessage()).doesNotContain("87654321", "1234");
        pins.unblock(PUK, PIN, SCardFlag.NONE, 1);
        verifyPin(pins);
    }

    @Test
    void aPinChangesAndALocalPinBelongsToItsDirectory() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardVerify pins = manager.createCHVerification();
        ISCardFileAccess files = manager.createFileAccess();
        pins.changeCode(PIN, ascii("4321"), SCardFlag.NONE, 1);
        onCleanup(() -> pins.changeCode(ascii("4321"), PIN, SCardFlag.NONE, 1));
        failure(HResult.SCARD_E_INVALID_CHV, () -> pins.changeCode(ascii("4321"), ascii("12"), SCardFlag.NONE, 1));
        files.changeDir(RefType.BY_ID, "3F00/5015");
        pins.verify(ascii("0000"), Set.of(SCardFlag.IHV_LOCAL), 1);
        assertThat(files.read(files.open(RefType.BY_ANY, "4403"), 0, SCardFlag.NONE))
                .isEqualTo(ascii("PIN 81 protected"));
        pins.resetSecurityState(EnumSet.of(SCardFlag.IHV_LOCAL));
        failure(HResult.SCARD_E_NO_ACCESS, () -> files.read(files.open(RefType.BY_ANY, "4403"), 0, SCardFlag.NONE));
    }

    // ---- ISCardAuth --------------------------------------------------------------------------------------------

    @Test
    void theApplicationAndTheCardAuthenticateEachOther() throws Exception {
        ISCardManage manager = attachedToCard(ShareMode.SHARED);
        ISCardAuth auth = manager.createCardAuth();
        byte[] mine = auth.getChallenge(0, 16, null); // just random bytes for the card to encrypt
        assertThat(auth.iccAuth(0, new byte[] {1}, mine)).isEqualTo(aes(mine));
        failure(HResult.SCARD_W_SECURITY_VIOLATION, () -> auth.appAuth(0, new byte[] {1}, new byte[16]));
        byte[] challenge = auth.getChallenge(0, 16, null);
        auth.appAuth(0, new byte[] {1}, aes(challenge));
        ISCardFileAccess files = manager.createFileAccess();
        long handle = files.open(RefType.BY_ID, "3F00/5015/4404");
        // Updating needs the key; the file starts with "auth" already, so the card is left as it was.
        files.write(handle, ascii("auth"), SCardFlag.NONE);
        byte[] second = auth.getChallenge(0, 16, null);
        failure(HResult.SCARD_W_SECURITY_VIOLATION, () -> auth.appAuth(0, new byte[] {1}, new byte[16]));
        assertThat(second).hasSize(16);
        assertThat(auth.userAuth(0, new byte[] {1}, PIN)).isEmpty();
        manager.createCHVerification().resetSecurityState();
    }
}
