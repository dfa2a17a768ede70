package dev.scard.itest.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.scard.itest.support.ExternalProgram;
import dev.scard.itest.support.VpcdRig;

/**
 * A pyscard program (python3-pyscard, pcsc-lite's API as Python calls it) as the client of the simulated cards
 * through pcscd and vpcd: {@code pyscard_client.py} of this package connects to the sample card in each share mode,
 * transmits, disconnects and reconnects with each disposition (what the card remembers after each: a verified PIN
 * survives LEAVE, not RESET or UNPOWER; the other connection is told of a reset once), and exchanges a case-4
 * command with a T=0 card ({@code 61xx}, GET RESPONSE in parts, {@code 6Cxx}). Every line it prints is checked.
 */
public class PyscardTest extends ClientTestBase {

    /**
     * The MF's FCP on the T=0 copy of the sample card (its access rules in ISO's expanded format, tag AB): SELECT
     * announces its length with {@code 61xx}.
     */
    private static final String T0_MF_FCP = "621182013883023F008A0105" + "AB0580011F9000";
    private static final int T0_MF_FCP_LENGTH = T0_MF_FCP.length() / 2;

    @Override
    String what() {
        return "pyscard as a client of the simulated cards";
    }

    @Override
    void requirePrograms() throws Exception {
        ExternalProgram.requirePyscard(what());
    }

    @Test
    void aPyscardProgramSeesWhatPcscPromises() throws Exception {
        insertIntoReader1(T0_CARD);
        Path script = ExternalProgram.copyResource(PyscardTest.class, "pyscard_client.py", dir);
        ExternalProgram.Result result = ExternalProgram.run(Map.of(), null, ExternalProgram.PYTHON,
                script.toString(), VpcdRig.CARD_READER, VpcdRig.EMPTY_READER).succeeded();
        List<String> lines = result.lines();
        String directConnect = lines.stream().filter(l -> l.startsWith("connect direct: ")).findFirst().orElse("");
        assertThat(directConnect).as("DIRECT connects; pcscd names the protocol the card runs, if any")
                .matches("connect direct: (T1|undefined)");
        assertThat(lines).as(result.output()).containsExactly(
                "establish context: SCARD_S_SUCCESS",
                "readers: both",
                // share modes
                "connect shared: T1",
                "status: SCARD_S_SUCCESS T1 " + simulatorAtr(READER_0),
                "second shared: T1",
                "shared transmit: 9000",
                "second transmit: 9000 / A806300404024421A706300404024422 9000",
                "exclusive while shared: SCARD_E_SHARING_VIOLATION",
                "disconnect second: SCARD_S_SUCCESS",
                "disconnect first: SCARD_S_SUCCESS",
                "connect exclusive: T1",
                "shared while exclusive: SCARD_E_SHARING_VIOLATION",
                "exclusive transmit: 9000",
                "disconnect exclusive: SCARD_S_SUCCESS",
                directConnect,
                "disconnect direct: SCARD_S_SUCCESS",
                // dispositions: PIN 01 verified, then read 3F00/5015/4402 (6982 when it is not)
                "verify: 9000 9000",
                "read after verify: 9000",
                "disconnect leave: SCARD_S_SUCCESS",
                "read after leave: 9000",
                "disconnect reset: SCARD_S_SUCCESS",
                "read after reset: 6982",
                "disconnect unpower: SCARD_S_SUCCESS",
                "read after unpower: 6982",
                "reconnect leave: SCARD_S_SUCCESS",
                "read after reconnect leave: 9000",
                "reconnect reset: SCARD_S_SUCCESS",
                "read after reconnect reset: 6982",
                "other after reset: SCARD_W_RESET_CARD",
                "other reconnect: SCARD_S_SUCCESS",
                "other transmit: 9000",
                "disconnect other: SCARD_S_SUCCESS",
                "disconnect reset again: SCARD_S_SUCCESS",
                // T=0
                "T=0 connect: T0",
                String.format("T=0 select with FCP: 61%02X", T0_MF_FCP_LENGTH),
                "T=0 get response 16: " + T0_MF_FCP.substring(0, 32) + String.format(" 61%02X",
                        T0_MF_FCP_LENGTH - 16),
                "T=0 get response rest: " + T0_MF_FCP.substring(32) + " 9000",
                String.format("T=0 FCP: 62 %d bytes, announced 61%02X", T0_MF_FCP_LENGTH, T0_MF_FCP_LENGTH),
                "T=0 nothing pending: 6985",
                "T=0 select record file: 9000",
                "T=0 read record short Le: 6C08",
                "T=0 read record: " + HEX.formatHex("record 1".getBytes(StandardCharsets.US_ASCII))
                        + " 9000",
                "T=0 disconnect: SCARD_S_SUCCESS",
                "release context: SCARD_S_SUCCESS");
    }
}
