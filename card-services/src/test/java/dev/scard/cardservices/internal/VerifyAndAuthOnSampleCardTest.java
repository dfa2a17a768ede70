package dev.scard.cardservices.internal;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardVerify;
import dev.scard.api.RefType;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;
import dev.scard.api.SeekOrigin;
import dev.scard.testsupport.Expect;

/** Every {@link ISCardVerify} and {@link ISCardAuth} method on the simulator's sample card. */
class VerifyAndAuthOnSampleCardTest {
    private static final byte[] WRONG = SampleCard.ascii("9999");

    private final SampleCard card = new SampleCard();
    private final ISCardVerify pins = card.manager().createCHVerification();
    private final ISCardAuth auth = card.manager().createCardAuth();
    private final ISCardFileAccess files = card.manager().createFileAccess();
    /** Every failure seen, to check that no PIN or PUK shows in a message. */
    private final List<SCardException> seen = new ArrayList<>();

    @AfterEach
    void noSecretInAnyMessage() {
        card.close();
        for (SCardException e : seen) {
            String detail = e.getMessage().substring(0, e.getMessage().lastIndexOf(" ["));
            assertThat(detail).doesNotContain("1234", "9999", "12345678", "0000", "31323334", "39393939");
        }
    }

    private SCardException fails(HResult code, Expect.Call call) {
        SCardException e = failure(code, call);
        seen.add(e);
        return e;
    }

    private boolean canRead4402() {
        long handle = files.open(RefType.BY_ID, "3F00/5015/4402");
        try {
            files.read(handle, 1, SCardFlag.NONE);
            return true;
        } catch (SCardException e) {
            assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_ACCESS);
            return false;
        } finally {
            files.close(handle);
        }
    }

    private static byte[] aes(byte[] block) throws Exception {
        Cipher cipher = Cipher.getInstance("AES/ECB/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(SampleCard.KEY, "AES"));
        return cipher.doFinal(block);
    }

    // ---- Verify -------------------------------------------------------------------------------------------------

    @Test
    void aWrongPinTellsTheTriesLeftAndTheRightOneResetsTheCounter() {
        SCardException first = fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG, SCardFlag.NONE, 1));
        assertThat(first.remainingTries()).hasValue(2);
        assertThat(first.getMessage()).contains("global PIN 01").contains("2 tries left");
        SCardException second = fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG, SCardFlag.NONE, 1));
        assertThat(second.remainingTries()).hasValue(1);
        assertThat(canRead4402()).isFalse();
        pins.verify(SampleCard.PIN, Set.of(SCardFlag.IHV_GLOBAL), 1);
        assertThat(canRead4402()).isTrue();
        SCardException again = fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG, SCardFlag.NONE, 1));
        assertThat(again.remainingTries()).as("the counter was reset").hasValue(2);
    }

    @Test
    void aBlockedPinIsUnblockedWithThePuk() {
        for (int left = 2; left >= 0; left--) {
            assertThat(fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG, SCardFlag.NONE, 1))
                    .remainingTries()).hasValue(left);
        }
        fails(HResult.SCARD_W_CHV_BLOCKED, () -> pins.verify(SampleCard.PIN, SCardFlag.NONE, 1));
        SCardException wrongPuk = fails(HResult.SCARD_W_WRONG_CHV,
                () -> pins.unblock(SampleCard.ascii("87654321"), SampleCard.PIN, SCardFlag.NONE, 1));
        assertThat(wrongPuk.remainingTries()).hasValue(9);
        fails(HResult.SCARD_E_INVALID_CHV, () -> pins.unblock(SampleCard.PUK, SampleCard.ascii("12"),
                SCardFlag.NONE, 1));
        pins.unblock(SampleCard.PUK, SampleCard.ascii("4321"), SCardFlag.NONE, 1);
        fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(SampleCard.PIN, SCardFlag.NONE, 1));
        pins.verify(SampleCard.ascii("4321"), SCardFlag.NONE, 1);
        assertThat(canRead4402()).isTrue();
    }

    @Test
    void unblockWithoutANewPinKeepsTheOldOne() {
        for (int i = 0; i < 3; i++) {
            fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG, SCardFlag.NONE, 1));
        }
        pins.unblock(SampleCard.PUK, null, SCardFlag.NONE, 1);
        pins.verify(SampleCard.PIN, SCardFlag.NONE, 1);
    }

    @Test
    void checkOnlyAsksForThePinsStateOnceTheCardShowedItDoesNotCountTheQuery() {
        PinStatusQueries.clear();
        fails(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> pins.verify(new byte[0], Set.of(SCardFlag.IHV_CHECKONLY), 1));
        ISCardVerify forced = (ISCardVerify) card.manager().createInterface(ISCardVerify.IID, null,
                IsoVerify.FORCE_STATUS_QUERY);
        for (int i = 0; i < 2; i++) { // the same count twice: the sample card does not count the query
            SCardException state = fails(HResult.SCARD_W_WRONG_CHV,
                    () -> forced.verify(new byte[0], Set.of(SCardFlag.IHV_CHECKONLY), 1));
            assertThat(state.remainingTries()).hasValue(3);
            assertThat(state.getMessage()).startsWith("global PIN 01 is not verified");
        }
        assertThat(fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(new byte[0], Set.of(SCardFlag.IHV_CHECKONLY),
                1)).remainingTries()).as("now asked without forcing").hasValue(3);
        pins.verify(SampleCard.PIN, SCardFlag.NONE, 1);
        pins.verify(new byte[0], Set.of(SCardFlag.IHV_CHECKONLY), 1);
    }

    @Test
    void listingAndNotFoundProbingLeaveTheCurrentDirectorySelected() {
        assertThat(files.directory(FileType.ALL_FILES)).contains("5015"); // selects 5015 on the way
        fails(HResult.E_INVALIDARG, () -> pins.verify(SampleCard.LOCAL_PIN, Set.of(SCardFlag.IHV_LOCAL), 1));
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.open(RefType.BY_ID, "3F00/5015/7777")); // probes 5015
        fails(HResult.E_INVALIDARG, () -> pins.verify(SampleCard.LOCAL_PIN, Set.of(SCardFlag.IHV_LOCAL), 1));
    }

    @Test
    void localPinsBelongToTheCurrentDirectory() {
        fails(HResult.E_INVALIDARG, () -> pins.verify(SampleCard.LOCAL_PIN, Set.of(SCardFlag.IHV_LOCAL), 1));
        files.changeDir(RefType.BY_ID, "3F00/5015");
        SCardException wrong = fails(HResult.SCARD_W_WRONG_CHV,
                () -> pins.verify(WRONG, Set.of(SCardFlag.IHV_LOCAL), 1));
        assertThat(wrong.getMessage()).contains("local PIN 01 (reference 81)");
        pins.verify(SampleCard.LOCAL_PIN, Set.of(SCardFlag.IHV_LOCAL), 1);
        long handle = files.open(RefType.BY_ANY, "4403");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("PIN 81 protected"));
        fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(SampleCard.PIN, Set.of(SCardFlag.IHV_LOCAL), 1));
        fails(HResult.E_INVALIDARG, () -> pins.verify(SampleCard.PIN, EnumSet.of(SCardFlag.IHV_LOCAL,
                SCardFlag.IHV_GLOBAL), 1));
    }

    @Test
    void readingTheAodfKeepsTheCurrentDirectoryForLocalPins() {
        files.changeDir(RefType.BY_ID, "3F00/5015");
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015"); // a call of its own: the selection is not trusted
        pins.verify(SampleCard.PIN, SCardFlag.NONE, 1); // the first code: the AODF is read now
        pins.verify(SampleCard.LOCAL_PIN, Set.of(SCardFlag.IHV_LOCAL), 1);
    }

    @Test
    void aPinLongerThanTheAodfSaysIsRefusedWithoutATry() {
        // the sample card's AODF gives PIN 01 and PIN 81 maxLength 4: a 5-digit and a 50-digit PIN never reach it
        SCardException five = fails(HResult.SCARD_E_INVALID_CHV,
                () -> pins.verify(SampleCard.ascii("12345"), SCardFlag.NONE, 1));
        assertThat(five.getMessage()).isEqualTo("cannot verify global PIN 01: the PIN is too long: 5 bytes, global"
                + " PIN 01 takes at most 4 (the card's PKCS#15 AODF); nothing was sent, no try was counted"
                + " [SCARD_E_INVALID_CHV 0x8010002A]");
        SCardException fifty = fails(HResult.SCARD_E_INVALID_CHV,
                () -> pins.verify(SampleCard.ascii("1".repeat(50)), SCardFlag.NONE, 1));
        assertThat(fifty.getMessage()).contains("50 bytes").contains("at most 16 (the card services' maxCodeLength"
                + " setting, PID dev.scard.cardservices.verify)");
        fails(HResult.SCARD_E_INVALID_CHV, () -> pins.changeCode(SampleCard.ascii("12345"), SampleCard.PIN,
                SCardFlag.NONE, 1));
        fails(HResult.SCARD_E_INVALID_CHV, () -> pins.unblock(SampleCard.PUK, SampleCard.ascii("123456"),
                SCardFlag.NONE, 1));
        // no try was spent: the first wrong PIN leaves 2 of 3
        assertThat(fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG, SCardFlag.NONE, 1)).remainingTries())
                .hasValue(2);
        // the AODF was read from DF 5015; the directory the file services left is selected again for local PINs
        files.changeDir(RefType.BY_ID, "3F00/5015");
        fails(HResult.SCARD_E_INVALID_CHV, () -> pins.verify(SampleCard.ascii("00000"), Set.of(SCardFlag.IHV_LOCAL),
                1));
        pins.verify(SampleCard.LOCAL_PIN, Set.of(SCardFlag.IHV_LOCAL), 1);
        assertThat(files.getCurrentDir()).isEqualTo("3F00/5015");
    }

    @Test
    void changeCodeNeedsTheOldPinAndAPinOfTheSameLength() {
        SCardException wrongOld = fails(HResult.SCARD_W_WRONG_CHV,
                () -> pins.changeCode(WRONG, SampleCard.ascii("5678"), SCardFlag.NONE, 1));
        assertThat(wrongOld.remainingTries()).hasValue(2);
        fails(HResult.SCARD_E_INVALID_CHV, () -> pins.changeCode(SampleCard.PIN, SampleCard.ascii("56789"),
                SCardFlag.NONE, 1));
        pins.changeCode(SampleCard.PIN, SampleCard.ascii("5678"), SCardFlag.NONE, 1);
        assertThat(canRead4402()).as("a successful change leaves the PIN verified").isTrue();
        fails(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(SampleCard.PIN, SCardFlag.NONE, 1));
        pins.verify(SampleCard.ascii("5678"), SCardFlag.NONE, 1);
        fails(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> pins.changeCode(SampleCard.ascii("5678"), null,
                Set.of(SCardFlag.IHV_DISABLE), 1));
        fails(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> pins.changeCode(SampleCard.ascii("5678"),
                SampleCard.PIN, Set.of(SCardFlag.SECURE_MESSAGING), 1));
    }

    @Test
    void resetSecurityStateForgetsVerifiedPins() {
        pins.verify(SampleCard.PIN, SCardFlag.NONE, 1);
        assertThat(canRead4402()).isTrue();
        pins.resetSecurityState(Set.of(SCardFlag.IHV_LOCAL));
        assertThat(canRead4402()).as("only local PINs were reset").isTrue();
        pins.resetSecurityState();
        assertThat(canRead4402()).isFalse();
        files.changeDir(RefType.BY_ID, "3F00/5015");
        pins.verify(SampleCard.LOCAL_PIN, Set.of(SCardFlag.IHV_LOCAL), 1);
        pins.resetSecurityState(Set.of(SCardFlag.IHV_LOCAL));
        ISCardVerify forced = (ISCardVerify) card.manager().createInterface(ISCardVerify.IID, null,
                IsoVerify.FORCE_STATUS_QUERY);
        fails(HResult.SCARD_W_WRONG_CHV, () -> forced.verify(new byte[0], EnumSet.of(SCardFlag.IHV_LOCAL,
                SCardFlag.IHV_CHECKONLY), 1));
    }

    // ---- Auth ---------------------------------------------------------------------------------------------------

    @Test
    void getChallengeReturnsFreshRandomBytes() {
        byte[] a = auth.getChallenge(0, 16, null);
        byte[] b = auth.getChallenge(0, 16, new byte[0]);
        assertThat(a).hasSize(16).isNotEqualTo(b);
        assertThat(auth.getChallenge(0, 256, null)).hasSize(256);
        assertThat(auth.getChallenge(0, 1, null)).hasSize(1);
        fails(HResult.E_INVALIDARG, () -> auth.getChallenge(0, 0, null));
        fails(HResult.E_INVALIDARG, () -> auth.getChallenge(0, 8, new byte[] {1})); // P2=01: the card says 6A86
    }

    @Test
    void appAuthAnswersTheChallengeAndOpensTheKeyProtectedFile() throws Exception {
        long handle = files.open(RefType.BY_ID, "3F00/5015/4404");
        fails(HResult.SCARD_E_NO_ACCESS, () -> files.write(handle, new byte[] {1}, SCardFlag.NONE));
        fails(HResult.SCARD_W_SECURITY_VIOLATION, () -> auth.appAuth(0, new byte[] {1}, new byte[16]));
        byte[] challenge = auth.getChallenge(0, 16, null);
        fails(HResult.SCARD_W_SECURITY_VIOLATION, () -> auth.appAuth(0, new byte[] {1}, new byte[16]));
        challenge = auth.getChallenge(0, 16, null);
        auth.appAuth(0, new byte[] {1}, aes(challenge));
        files.write(handle, SampleCard.ascii("AUTH"), SCardFlag.NONE);
        files.seek(handle, SeekOrigin.FROM_BEGINNING, 0);
        assertThat(files.read(handle, 4, SCardFlag.NONE)).isEqualTo(SampleCard.ascii("AUTH"));
        byte[] staleAnswer = aes(challenge);
        fails(HResult.SCARD_W_SECURITY_VIOLATION, () -> auth.appAuth(0, new byte[] {1}, staleAnswer));
        auth.getChallenge(0, 16, null);
        fails(HResult.E_INVALIDARG, () -> auth.appAuth(0, new byte[] {2}, new byte[16])); // no key 02: 6A88
        fails(HResult.E_INVALIDARG, () -> auth.appAuth(0, new byte[] {1}, new byte[15])); // 6700
    }

    @Test
    void iccAuthReturnsTheCardsCryptogram() throws Exception {
        byte[] mine = new byte[16];
        new java.security.SecureRandom().nextBytes(mine);
        assertThat(auth.iccAuth(0, new byte[] {1}, mine)).isEqualTo(aes(mine));
        fails(HResult.E_INVALIDARG, () -> auth.iccAuth(0, new byte[] {3}, mine));
        fails(HResult.E_INVALIDARG, () -> auth.iccAuth(0, new byte[] {1}, null));
    }

    @Test
    void userAuthVerifiesTheUser() {
        SCardException wrong = fails(HResult.SCARD_W_WRONG_CHV, () -> auth.userAuth(0, new byte[] {1}, WRONG));
        assertThat(wrong.remainingTries()).hasValue(2);
        assertThat(auth.userAuth(0, new byte[] {1}, SampleCard.PIN)).isEmpty();
        assertThat(canRead4402()).isTrue();
    }

    @Test
    void afterDetachVerifyAndAuthFailWithInvalidHandle() {
        card.manager().detach();
        fails(HResult.SCARD_E_INVALID_HANDLE, () -> pins.verify(SampleCard.PIN, SCardFlag.NONE, 1));
        fails(HResult.SCARD_E_INVALID_HANDLE, () -> pins.unblock(SampleCard.PUK, null, SCardFlag.NONE, 1));
        fails(HResult.SCARD_E_INVALID_HANDLE, () -> pins.changeCode(SampleCard.PIN, SampleCard.PIN, SCardFlag.NONE, 1));
        fails(HResult.SCARD_E_INVALID_HANDLE, pins::resetSecurityState);
        fails(HResult.SCARD_E_INVALID_HANDLE, () -> auth.getChallenge(0, 8, null));
        fails(HResult.SCARD_E_INVALID_HANDLE, () -> auth.appAuth(0, null, new byte[16]));
        fails(HResult.SCARD_E_INVALID_HANDLE, () -> auth.iccAuth(0, null, new byte[16]));
        fails(HResult.SCARD_E_INVALID_HANDLE, () -> auth.userAuth(0, null, SampleCard.PIN));
    }
}
