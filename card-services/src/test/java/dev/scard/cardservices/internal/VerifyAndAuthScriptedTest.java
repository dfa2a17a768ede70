package dev.scard.cardservices.internal;

import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;

/** {@link IsoVerify} and {@link IsoAuth} against scripted card answers. */
class VerifyAndAuthScriptedTest {
    private static final byte[] PIN = "1234".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WRONG = "9999".getBytes(StandardCharsets.US_ASCII);

    private final ScriptedManager card = new ScriptedManager().withoutPkcs15();
    private final IsoVerify verify = new IsoVerify(card);
    private final IsoAuth auth = new IsoAuth(card);

    @Test
    void verifySendsThePinAndReportsWrongOnesWithTheTriesLeftButNeverThePin() {
        card.on("002000010431323334", "9000");
        card.on("002000010439393939", "63C2");
        verify.verify(PIN, SCardFlag.NONE, 1);
        SCardException wrong = catchSCard(() -> verify.verify(WRONG, Set.of(SCardFlag.IHV_GLOBAL), 1));
        assertThat(wrong.code()).isEqualTo(HResult.SCARD_W_WRONG_CHV);
        assertThat(wrong.remainingTries()).hasValue(2);
        assertThat(wrong.getMessage()).isEqualTo("cannot verify global PIN 01: SW 63C2 verification failed, 2 tries"
                + " left [SCARD_W_WRONG_CHV 0x8010006B]").doesNotContain("9999", "39393939");
        card.on("002000010439393939", "63C0");
        SCardException last = catchSCard(() -> verify.verify(WRONG, SCardFlag.NONE, 1));
        assertThat(last.remainingTries()).hasValue(0);
        assertThat(last.getMessage()).contains("it is blocked now");
        card.on("002000010439393939", "6983");
        failure(HResult.SCARD_W_CHV_BLOCKED, "cannot verify global PIN 01: SW 6983 authentication method blocked",
                () -> verify.verify(WRONG, SCardFlag.NONE, 1));
    }

    @Test
    void localPinsSetBit8AndCheckOnlyAsksForTheState() {
        card.on("002000810430303030", "9000");
        card.on("00200081", "63C3");
        verify.verify("0000".getBytes(StandardCharsets.US_ASCII), Set.of(SCardFlag.IHV_LOCAL), 1);
        IsoVerify forced = new IsoVerify(card, true); // a card not known to answer the status query safely
        SCardException state = catchSCard(() -> forced.verify(new byte[0],
                EnumSet.of(SCardFlag.IHV_LOCAL, SCardFlag.IHV_CHECKONLY), 1));
        assertThat(state.code()).isEqualTo(HResult.SCARD_W_WRONG_CHV);
        assertThat(state.remainingTries()).hasValue(3);
        assertThat(state.getMessage()).startsWith("local PIN 01 (reference 81) of the current DF is not verified");
        assertThat(card.sent).containsExactly("002000810430303030", "00200081");
    }

    @Test
    void verifyArgumentsAreChecked() {
        failure(HResult.E_INVALIDARG, "the PIN must not be null", () -> verify.verify(null, SCardFlag.NONE, 1));
        failure(HResult.E_INVALIDARG, "must not be empty", () -> verify.verify(new byte[0], SCardFlag.NONE, 1));
        failure(HResult.E_INVALIDARG, "takes an empty code",
                () -> verify.verify(PIN, Set.of(SCardFlag.IHV_CHECKONLY), 1));
        failure(HResult.E_INVALIDARG, "exclude each other",
                () -> verify.verify(PIN, EnumSet.of(SCardFlag.IHV_GLOBAL, SCardFlag.IHV_LOCAL), 1));
        failure(HResult.E_INVALIDARG, "out of range 1 to 31", () -> verify.verify(PIN, SCardFlag.NONE, 0));
        failure(HResult.E_INVALIDARG, "ref 1 with IHV_LOCAL", () -> verify.verify(PIN, SCardFlag.NONE, 0x81));
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, "secure messaging",
                () -> verify.verify(PIN, Set.of(SCardFlag.SECURE_MESSAGING), 1));
        failure(HResult.E_INVALIDARG, "at most 127", () -> verify.verify(new byte[128], SCardFlag.NONE, 1));
        assertThat(card.sent).isEmpty();
    }

    @Test
    void changeAndUnblockSendBothCodes() {
        card.on("00240001083132333435363738", "9000");
        verify.changeCode(PIN, "5678".getBytes(StandardCharsets.US_ASCII), SCardFlag.NONE, 1);
        card.on("002C00010C" + "3132333435363738" + "31323334", "63C9");
        SCardException wrongPuk = catchSCard(() -> verify.unblock("12345678".getBytes(StandardCharsets.US_ASCII),
                PIN, SCardFlag.NONE, 1));
        assertThat(wrongPuk.code()).isEqualTo(HResult.SCARD_W_WRONG_CHV);
        assertThat(wrongPuk.remainingTries()).hasValue(9);
        assertThat(wrongPuk.getMessage()).startsWith("cannot unblock global PIN 01").doesNotContain("3132");
        card.on("002C010108" + "3132333435363738", "9000");
        verify.unblock("12345678".getBytes(StandardCharsets.US_ASCII), null, SCardFlag.NONE, 1);
        card.on("00240001053132333435", "6700");
        failure(HResult.SCARD_E_INVALID_CHV, "refused the code's length (no try was used)",
                () -> verify.changeCode(PIN, new byte[] {'5'}, SCardFlag.NONE, 1));
        failure(HResult.E_INVALIDARG, "the new PIN", () -> verify.changeCode(PIN, null, SCardFlag.NONE, 1));
        failure(HResult.E_INVALIDARG, "the unblocking code must not be empty",
                () -> verify.unblock(new byte[0], PIN, SCardFlag.NONE, 1));
    }

    @Test
    void theCallersCodesAreNotChanged() {
        card.on("002000010431323334", "9000");
        byte[] pin = PIN.clone();
        verify.verify(pin, SCardFlag.NONE, 1);
        assertThat(pin).isEqualTo(PIN);
    }

    @Test
    void enableAndDisableUseTheirOwnInstructions() {
        card.on("002600010431323334", "9000");
        card.on("00280101", "9000");
        verify.changeCode(PIN, null, Set.of(SCardFlag.IHV_DISABLE), 1);
        verify.changeCode(new byte[0], new byte[0], Set.of(SCardFlag.IHV_ENABLE), 1);
        failure(HResult.E_INVALIDARG, "give no new code",
                () -> verify.changeCode(PIN, PIN, Set.of(SCardFlag.IHV_ENABLE), 1));
        failure(HResult.E_INVALIDARG, "exclude each other",
                () -> verify.changeCode(PIN, null, EnumSet.of(SCardFlag.IHV_ENABLE, SCardFlag.IHV_DISABLE), 1));
        card.on("002600010439393939", "6D00");
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, "cannot disable global PIN 01: SW 6D00",
                () -> verify.changeCode(WRONG, null, Set.of(SCardFlag.IHV_DISABLE), 1));
    }

    @Test
    void resetSecurityStateUsesVerifyFfOrResetsTheCard() {
        card.otherwise = command -> command.startsWith("0020FF") ? "6A88" : "6D00";
        card.on("0020FF01", "9000");
        verify.resetSecurityState(Set.of(SCardFlag.IHV_GLOBAL));
        assertThat(card.sent).hasSize(31).allMatch(c -> c.startsWith("0020FF0") || c.startsWith("0020FF1"));
        assertThat(card.calls).isEmpty();
        card.sent.clear();
        verify.resetSecurityState();
        assertThat(card.sent).hasSize(62).contains("0020FF81", "0020FF9F");

        ScriptedManager old = new ScriptedManager();
        old.on("0020FF01", "6A86");
        new IsoVerify(old).resetSecurityState();
        assertThat(old.sent).containsExactly("0020FF01");
        assertThat(old.calls).containsExactly("reconnect RESET");
    }

    @Test
    void onlyARefusalOfTheFirstResetFallsBackToAWarmResetAndNeverUnderALock() {
        ScriptedManager later = new ScriptedManager();
        later.otherwise = command -> command.startsWith("0020FF") ? "6A88" : "6D00";
        later.on("0020FF05", "6A86"); // the card knows P1=FF: a refusal for one reference is no reason to reset
        failure(HResult.E_INVALIDARG, "global PIN 05", () -> new IsoVerify(later).resetSecurityState());
        assertThat(later.calls).as("no warm reset").isEmpty();

        ScriptedManager locked = new ScriptedManager();
        locked.on("0020FF01", "6A86");
        locked.locked = true;
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, "ends the lock this manager holds; unlock first",
                () -> new IsoVerify(locked).resetSecurityState());
        assertThat(locked.calls).as("the lock is kept").isEmpty();
    }

    @Test
    void authSendsTheIsoCommands() {
        card.on("0084000008", "0102030405060708" + "9000");
        assertThat(auth.getChallenge(0, 8, null)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        byte[] cryptogram = new byte[16];
        card.on("0082000110" + "00".repeat(16), "9000");
        auth.appAuth(0, new byte[] {1}, cryptogram);
        card.on("0082000110" + "00".repeat(16), "6300");
        failure(HResult.SCARD_W_SECURITY_VIOLATION,
                "the card did not accept the application's authentication with key 01: SW 6300",
                () -> auth.appAuth(0, new byte[] {1}, cryptogram));
        card.on("0082000110" + "00".repeat(16), "6985");
        failure(HResult.SCARD_W_SECURITY_VIOLATION, "ask for a challenge (GetChallenge) first",
                () -> auth.appAuth(0, new byte[] {1}, cryptogram));
        card.on("0082000210" + "00".repeat(16), "6A88");
        failure(HResult.E_INVALIDARG, "key 02: SW 6A88", () -> auth.appAuth(0, new byte[] {2}, cryptogram));
        card.on("0088000110" + "11".repeat(16) + "00", "22".repeat(16) + "9000");
        assertThat(auth.iccAuth(0, new byte[] {1}, HexFormat.of().parseHex("11".repeat(16))))
                .isEqualTo(HexFormat.of().parseHex("22".repeat(16)));
        card.on("002000010431323334", "9000");
        assertThat(auth.userAuth(0, new byte[] {1}, PIN)).isEmpty();
        card.on("002000010439393939", "63C1");
        SCardException wrong = catchSCard(() -> auth.userAuth(0, new byte[] {1}, WRONG));
        assertThat(wrong.code()).isEqualTo(HResult.SCARD_W_WRONG_CHV);
        assertThat(wrong.remainingTries()).hasValue(1);
        assertThat(wrong.getMessage()).doesNotContain("9999", "3939");
    }

    @Test
    void authArgumentsAreChecked() {
        failure(HResult.E_INVALIDARG, "challenge length 0 is out of range", () -> auth.getChallenge(0, 0, null));
        failure(HResult.E_INVALIDARG, "1 to 256", () -> auth.getChallenge(0, 257, null));
        failure(HResult.E_INVALIDARG, "algorithm 256", () -> auth.getChallenge(256, 8, null));
        failure(HResult.E_INVALIDARG, "param has 2 bytes", () -> auth.appAuth(0, new byte[2], new byte[16]));
        failure(HResult.E_INVALIDARG, "the cryptogram must not be null", () -> auth.appAuth(0, null, null));
        failure(HResult.E_INVALIDARG, "algorithm -1", () -> auth.iccAuth(-1, null, new byte[16]));
        failure(HResult.E_INVALIDARG, "the user's data", () -> auth.userAuth(0, null, new byte[0]));
        assertThat(card.sent).isEmpty();
    }

    @Test
    void afterTheAttachmentEndedEverythingFailsWithInvalidHandle() {
        card.attached = false;
        for (Runnable call : new Runnable[] {
            () -> verify.verify(PIN, SCardFlag.NONE, 1),
            () -> verify.changeCode(PIN, PIN, SCardFlag.NONE, 1),
            () -> verify.unblock(PIN, PIN, SCardFlag.NONE, 1),
            verify::resetSecurityState,
            () -> verify.resetSecurityState(SCardFlag.NONE),
            () -> auth.appAuth(0, null, new byte[16]),
            () -> auth.getChallenge(0, 8, null),
            () -> auth.iccAuth(0, null, new byte[16]),
            () -> auth.userAuth(0, null, PIN)}) {
            failure(HResult.SCARD_E_INVALID_HANDLE, "has ended", call::run);
        }
    }

    private static SCardException catchSCard(Runnable call) {
        try {
            call.run();
        } catch (SCardException e) {
            return e;
        }
        return (SCardException) assertThatThrownBy(() -> { }).actual();
    }
}
