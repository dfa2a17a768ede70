package dev.scard.simulator.internal;

import static dev.scard.simulator.internal.SimulatorBackendTest.ATR;
import static dev.scard.simulator.internal.SimulatorBackendTest.HEX;
import static dev.scard.simulator.internal.SimulatorBackendTest.R0;
import static dev.scard.simulator.internal.SimulatorBackendTest.R1;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.Disposition;
import dev.scard.api.Protocol;
import dev.scard.api.ShareMode;

/** A reader that never had a card gets a fresh card of the sample profile; a re-inserted card keeps its state. */
class DefaultCardTest {

    private final SimulatorBackend backend = SimulatorBackend.standalone(List.of(R0, R1));

    @AfterEach
    void stop() {
        backend.close();
    }

    private String transmit(String reader, String command) {
        SimulatedConnection connection = backend.connect(reader, ShareMode.SHARED, Protocol.T0_OR_T1);
        try {
            return HEX.formatHex(connection.transmit(HEX.parseHex(command)));
        } finally {
            connection.disconnect(Disposition.LEAVE);
        }
    }

    @Test
    void theDefaultCardIsTheSampleCard() {
        backend.insert(R0);
        assertThat(backend.readerInfo(R0).atrHex()).isEqualTo(ATR);
        assertThat(transmit(R0, "00A4040C0CA000000063504B43532D3135")).as("DF 5015 by its AID").isEqualTo("9000");
        assertThat(transmit(R0, "00A4080C0450154401")).isEqualTo("9000");
        assertThat(transmit(R0, "00B0000004")).isEqualTo("000102039000");
        assertThat(transmit(R0, "002000010431323334")).isEqualTo("9000");
        assertThat(transmit(R0, "005E0000")).isEqualTo("6D00");
    }

    @Test
    void eachReaderGetsItsOwnCardAndACardKeepsItsStateWhenReinserted() {
        backend.insert(R0);
        backend.insert(R1);
        assertThat(transmit(R0, "002000010439393939")).isEqualTo("63C2");
        assertThat(transmit(R1, "00200001")).as("another card").isEqualTo("63C3");
        backend.remove(R0);
        backend.insert(R0);
        assertThat(transmit(R0, "00200001")).as("the same card, its counter kept").isEqualTo("63C2");
        backend.reset(R0);
        assertThat(transmit(R0, "00200001")).isEqualTo("63C2");
    }
}
