package dev.scard.simulator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;
import dev.scard.simulator.control.SimulatedCard;
import dev.scard.simulator.internal.card.CardProfile;

/**
 * The simulated reader hands a plugged-in card model a copy of each command and zeroes it once answered: the PIN of a
 * VERIFY (or a PUK, a new PIN, a cryptogram) is left nowhere in the simulator, and the caller's array is the
 * caller's, unchanged.
 */
class SecretBuffersTest {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final String R0 = "Simulated Reader 0";

    /** The sample card, keeping every array the reader handed it. */
    private static final class KeepingCard implements SimulatedCard {
        final SimulatedCard card = CardProfile.sample().newCard();
        final List<byte[]> given = Collections.synchronizedList(new ArrayList<>());
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        @Override
        public byte[] atr() {
            return card.atr();
        }

        @Override
        public Protocol protocol() {
            return card.protocol();
        }

        @Override
        public byte[] process(byte[] commandApdu) {
            given.add(commandApdu);
            seen.add(HEX.formatHex(commandApdu));
            return card.process(commandApdu);
        }

        @Override
        public void reset() {
            card.reset();
        }
    }

    private final SimulatorBackend backend = new SimulatorBackend(List.of(R0), event -> { });
    private final KeepingCard card = new KeepingCard();

    @AfterEach
    void stop() {
        backend.stop();
    }

    @Test
    void theCardsCopyOfEveryCommandIsZeroedAndTheCallersStaysAsItWas() {
        backend.insert(R0, card);
        SimulatedConnection connection = backend.connect(R0, ShareMode.SHARED, Protocol.T0_OR_T1);
        List<byte[]> commands = List.of(
                HEX.parseHex("002000010439393939"),                      // a wrong PIN
                HEX.parseHex("002000010431323334"),                      // PIN 1234
                HEX.parseHex("0024000108" + "31323334" + "35363738"),    // change it to 5678
                HEX.parseHex("002C00010C" + "3132333435363738" + "31323334"), // PUK, back to 1234
                HEX.parseHex("00A4000C023F00"));                         // and something else
        List<String> answers = new ArrayList<>();
        for (byte[] command : commands) {
            byte[] before = command.clone();
            answers.add(HEX.formatHex(connection.transmit(command)));
            assertThat(command).as("the caller's command").isEqualTo(before);
        }
        assertThat(answers).containsExactly("63C2", "9000", "9000", "9000", "9000");
        assertThat(card.seen).containsExactly(commands.stream().map(HEX::formatHex).toArray(String[]::new));
        assertThat(card.given).hasSize(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            assertThat(card.given.get(i)).as("the card's copy of command %d", i).isNotSameAs(commands.get(i))
                    .hasSameSizeAs(commands.get(i)).containsOnly((byte) 0);
        }
        connection.disconnect(Disposition.LEAVE);
    }
}
