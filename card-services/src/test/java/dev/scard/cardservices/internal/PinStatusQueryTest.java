package dev.scard.cardservices.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;
import dev.scard.api.SCardFlag;

/**
 * {@code IHV_CHECKONLY} never spends a try silently: two small card models with a PIN and a retry counter the test
 * can read, one that counts the status query (the empty VERIFY) as a wrong PIN and answers {@code 6300} without a
 * counter, as a card in the field did, and one that answers it as ISO 7816-4 says ({@code 63Cx}, counting nothing).
 */
class PinStatusQueryTest {
    private static final Set<SCardFlag> CHECK = Set.of(SCardFlag.IHV_CHECKONLY);
    private static final byte[] PIN = "1234".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] WRONG = "9999".getBytes(StandardCharsets.US_ASCII);
    private static final String PIN_HEX = HexFormat.of().withUpperCase().formatHex(PIN);

    /** A card with global PIN 01 ("1234", 3 tries); {@code counting}: the empty VERIFY counts as a wrong PIN. */
    static final class PinCard {
        final ScriptedManager manager = new ScriptedManager();
        int tries = 3;
        boolean verified;

        /** Whether the card refuses the status query's form ({@code 6700}), as some cards in the field do. */
        boolean refusing;

        PinCard(boolean counting, String atr) {
            manager.atr = atr;
            manager.otherwise = command -> {
                if (!command.startsWith("00200001")) {
                    return "6D00";
                }
                if (tries == 0) {
                    return "6983";
                }
                if (command.equals("00200001")) { // the status query
                    if (refusing) {
                        return "6700";
                    }
                    if (counting) {
                        tries--;
                        verified = false;
                        return tries == 0 ? "6983" : "6300";
                    }
                    return verified ? "9000" : String.format("63C%X", tries);
                }
                if (command.equals("0020000104" + PIN_HEX)) {
                    tries = 3;
                    verified = true;
                    return "9000";
                }
                tries--;
                verified = false;
                return String.format("63C%X", tries);
            };
            manager.withoutPkcs15();
        }
    }

    @BeforeEach
    void forget() {
        PinStatusQueries.clear();
    }

    private static SCardException failure(HResult code, Runnable call) {
        try {
            call.run();
        } catch (SCardException e) {
            assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
            return e;
        }
        throw new AssertionError("expected " + code);
    }

    @Test
    void aCodeLongerThanTheMaximumNeverReachesTheCardAndCostsNoTry() {
        PinCard card = new PinCard(false, "3B03"); // no PKCS#15 application: the configured maximum
        IsoVerify pins = new IsoVerify(card.manager, false, 8);
        byte[] fifty = "1".repeat(50).getBytes(StandardCharsets.US_ASCII);
        byte[] nine = "123456789".getBytes(StandardCharsets.US_ASCII);
        assertThat(failure(HResult.SCARD_E_INVALID_CHV, () -> pins.verify(fifty, SCardFlag.NONE, 1)).getMessage())
                .isEqualTo("cannot verify global PIN 01: the PIN is too long: 50 bytes, global PIN 01 takes at most 8"
                        + " (the card services' maxCodeLength setting, PID dev.scard.cardservices.verify); nothing"
                        + " was sent, no try was counted [SCARD_E_INVALID_CHV 0x8010002A]");
        failure(HResult.SCARD_E_INVALID_CHV, () -> pins.verify(nine, SCardFlag.NONE, 1));
        assertThat(failure(HResult.SCARD_E_INVALID_CHV, () -> pins.changeCode(PIN, nine, SCardFlag.NONE, 1))
                .getMessage()).startsWith("cannot change global PIN 01: the new PIN is too long: 9 bytes");
        assertThat(failure(HResult.SCARD_E_INVALID_CHV, () -> pins.unblock(nine, PIN, SCardFlag.NONE, 1))
                .getMessage()).startsWith("cannot unblock global PIN 01: the unblocking code is too long: 9 bytes");
        assertThat(card.manager.sent).as("nothing reached the card").isEmpty();
        assertThat(card.tries).as("the retry counter is unchanged").isEqualTo(3);
        failure(HResult.SCARD_W_WRONG_CHV, // 8 bytes: sent, and wrong
                () -> pins.verify("12345678".getBytes(StandardCharsets.US_ASCII), SCardFlag.NONE, 1));
        assertThat(card.manager.sent).containsExactly("002000010831323334353637" + "38");
        assertThat(card.tries).isEqualTo(2);
    }

    @Test
    void aCardNotKnownToAnswerTheQuerySafelyIsNotAskedAndLosesNoTry() {
        for (boolean counting : new boolean[] {true, false}) {
            PinCard card = new PinCard(counting, counting ? "3B01" : "3B02");
            IsoVerify pins = new IsoVerify(card.manager);
            for (int i = 0; i < 5; i++) {
                SCardException refused = failure(HResult.SCARD_E_UNSUPPORTED_FEATURE,
                        () -> pins.verify(new byte[0], CHECK, 1));
                assertThat(refused.getMessage()).startsWith("the state of global PIN 01 cannot be asked without"
                        + " risking a try: this card has not shown that it answers the status query (an empty VERIFY)"
                        + " without counting it as a wrong PIN; verify the PIN, or force the query");
            }
            assertThat(card.manager.sent).as("nothing sent").isEmpty();
            assertThat(card.tries).as("the try counter is unchanged").isEqualTo(3);
        }
    }

    @Test
    void aCardThatRefusesTheQuerysFormSaysSoNotThatThePinIsMalformedAndCountsNothing() {
        PinCard card = new PinCard(false, "3B05");
        card.refusing = true;
        IsoVerify forced = new IsoVerify(card.manager, true);
        for (int i = 0; i < 2; i++) {
            SCardException refused = failure(HResult.SCARD_E_UNSUPPORTED_FEATURE,
                    () -> forced.verify(new byte[0], CHECK, 1));
            assertThat(refused.getMessage()).startsWith("the card does not answer the status query (an empty VERIFY:"
                    + " SW 6700 wrong length), so the state of global PIN 01 cannot be asked on this card; verify the"
                    + " PIN instead");
        }
        assertThat(card.tries).isEqualTo(3);
        assertThat(PinStatusQueries.known("3B05", 1)).as("nothing learned").isNull();
        forced.verify(PIN, Set.of(), 1);
        assertThat(card.verified).isTrue();
    }

    @Test
    void aForcedQueryOnACountingCardMarksItAsCountingForGood() {
        PinCard card = new PinCard(true, "3B01");
        IsoVerify forced = new IsoVerify(card.manager, true);
        SCardException answer = failure(HResult.SCARD_W_WRONG_CHV, () -> forced.verify(new byte[0], CHECK, 1));
        assertThat(answer.getMessage()).contains("the card gave no retry counter and may have counted the query as a"
                + " wrong PIN");
        assertThat(card.tries).as("the forced query cost this card a try").isEqualTo(2);
        assertThat(PinStatusQueries.known("3B01", 1)).isEqualTo(PinStatusQueries.Behaviour.COUNTS);

        IsoVerify pins = new IsoVerify(card.manager); // a new attachment of the same card model
        card.manager.sent.clear();
        assertThat(failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> pins.verify(new byte[0], CHECK, 1))
                .getMessage()).contains("this card answered the status query (an empty VERIFY) as if it counted it");
        pins.verify(PIN, SCardFlag.NONE, 1);
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> pins.verify(new byte[0], CHECK, 1));
        assertThat(card.manager.sent).containsExactly("0020000104" + PIN_HEX);
        assertThat(card.tries).isEqualTo(3);
    }

    @Test
    void aWellBehavedCardIsAskedOnceItGaveTheSameCountTwiceAndItsCounterStays() {
        PinCard card = new PinCard(false, "3B02");
        IsoVerify pins = new IsoVerify(card.manager);
        IsoVerify forced = new IsoVerify(card.manager, true);
        // A wrong PIN shows the counter (2); the forced query gives the same: the card does not count it.
        failure(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(WRONG, SCardFlag.NONE, 1));
        assertThat(failure(HResult.SCARD_W_WRONG_CHV, () -> forced.verify(new byte[0], CHECK, 1)).remainingTries())
                .hasValue(2);
        assertThat(PinStatusQueries.known("3B02", 1)).isEqualTo(PinStatusQueries.Behaviour.ANSWERS);
        for (int i = 0; i < 5; i++) {
            assertThat(failure(HResult.SCARD_W_WRONG_CHV, () -> pins.verify(new byte[0], CHECK, 1)).remainingTries())
                    .hasValue(2);
        }
        assertThat(card.tries).as("the try counter is unchanged").isEqualTo(2);
        pins.verify(PIN, SCardFlag.NONE, 1);
        pins.verify(new byte[0], CHECK, 1); // verified: returns
        assertThat(card.tries).isEqualTo(3);
        assertThat(PinStatusQueries.known("3B02", 2)).as("per PIN reference").isNull();
    }

    @Test
    void twoForcedQueriesWithTheSameCountTeachTheRuleAndALowerCountMarksCounting() {
        PinCard good = new PinCard(false, "3B02");
        IsoVerify forced = new IsoVerify(good.manager, true);
        failure(HResult.SCARD_W_WRONG_CHV, () -> forced.verify(new byte[0], CHECK, 1));
        assertThat(PinStatusQueries.known("3B02", 1)).as("one answer proves nothing").isNull();
        failure(HResult.SCARD_W_WRONG_CHV, () -> forced.verify(new byte[0], CHECK, 1));
        assertThat(PinStatusQueries.known("3B02", 1)).isEqualTo(PinStatusQueries.Behaviour.ANSWERS);
        assertThat(good.tries).isEqualTo(3);

        // A card that counts but gives a counter: the second answer is one lower.
        ScriptedManager counter = new ScriptedManager();
        counter.atr = "3B03";
        int[] tries = {3};
        counter.otherwise = command -> String.format("63C%X", --tries[0]);
        IsoVerify forcedCounter = new IsoVerify(counter, true);
        failure(HResult.SCARD_W_WRONG_CHV, () -> forcedCounter.verify(new byte[0], CHECK, 1));
        failure(HResult.SCARD_W_WRONG_CHV, () -> forcedCounter.verify(new byte[0], CHECK, 1));
        assertThat(PinStatusQueries.known("3B03", 1)).isEqualTo(PinStatusQueries.Behaviour.COUNTS);
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> new IsoVerify(counter).verify(new byte[0], CHECK, 1));
    }

    @Test
    void aVerifiedAnswerTeachesTheRuleAndABlockedOneReportsWithoutTeaching() {
        PinCard card = new PinCard(false, "3B02");
        IsoVerify forced = new IsoVerify(card.manager, true);
        forced.verify(PIN, SCardFlag.NONE, 1);
        forced.verify(new byte[0], CHECK, 1);
        assertThat(PinStatusQueries.known("3B02", 1)).isEqualTo(PinStatusQueries.Behaviour.ANSWERS);

        PinCard blocked = new PinCard(false, "3B04");
        blocked.tries = 0;
        failure(HResult.SCARD_W_CHV_BLOCKED, () -> new IsoVerify(blocked.manager, true).verify(new byte[0], CHECK, 1));
        assertThat(PinStatusQueries.known("3B04", 1)).isNull();
    }

    @Test
    void theMemoryIsBounded() {
        for (int i = 0; i < PinStatusQueries.MAX_CARDS + 10; i++) {
            PinStatusQueries.learned(String.format("3B%04X", i), 1, PinStatusQueries.Behaviour.ANSWERS);
        }
        assertThat(PinStatusQueries.known("3B0000", 1)).as("the eldest went").isNull();
        assertThat(PinStatusQueries.known(String.format("3B%04X", PinStatusQueries.MAX_CARDS + 9), 1))
                .isEqualTo(PinStatusQueries.Behaviour.ANSWERS);
    }
}
