package dev.scard.itest.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.scard.itest.support.ExternalProgram;
import dev.scard.itest.support.VpcdRig;

/**
 * OpenSC, the tools our users already use, as the client of the simulated sample card through pcscd and vpcd:
 * {@code opensc-tool} (readers, ATR, driver, APDUs), an {@code opensc-explorer} script ({@code ls}, {@code cd},
 * {@code cat}, {@code asn1}, {@code verify}), {@code pkcs15-tool --dump} (the card is a PKCS#15 token: EF.ODF,
 * EF.TokenInfo, the AODF's PINs, the DODF's data objects) and {@code pkcs11-tool} with OpenSC's PKCS#11 module (the
 * token in its slots, its objects after login). OpenSC reads {@code opensc.conf} of this package (OPENSC_CONF), which
 * enables its generic ISO 7816-4 driver for the card's ATR. When OpenSC and the simulator disagree, the simulator is
 * taken to be wrong until shown otherwise.
 */
public class OpenScTest extends ClientTestBase {

    private static final String READER = VpcdRig.CARD_READER;
    private static final String AID = "A000000063504B43532D3135";
    /** EF.ODF (5031) of the sample card: the AODF is 4421, the DODF 4422. */
    private static final String ODF = "A806300404024421A706300404024422";
    /** The PKCS#11 module of the opensc-pkcs11 package, where distributions put it. */
    private static final List<String> PKCS11_MODULES = List.of("/usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so",
            "/usr/lib/aarch64-linux-gnu/pkcs11/opensc-pkcs11.so", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
            "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so", "/usr/lib64/pkcs11/opensc-pkcs11.so",
            "/usr/lib64/opensc-pkcs11.so", "/usr/lib/pkcs11/opensc-pkcs11.so", "/usr/lib/opensc-pkcs11.so");

    private Map<String, String> opensc;

    @Override
    String what() {
        return "OpenSC as a client of the simulated card";
    }

    @Override
    void requirePrograms() {
        ExternalProgram.require(what(), "apt-get install opensc", "opensc-tool", "opensc-explorer", "pkcs15-tool",
                "pkcs11-tool");
    }

    @BeforeEach
    void openscConfiguration() throws Exception {
        Path conf = ExternalProgram.copyResource(OpenScTest.class, "opensc.conf", dir);
        opensc = Map.of("OPENSC_CONF", conf.toString());
    }

    /** One APDU as {@code opensc-tool -s} shows it: the command, the status word and the response data, in hex. */
    record Exchange(String command, String sw, String data) {
    }

    private static final Pattern SENDING = Pattern.compile("Sending: ([0-9A-F ]+)");
    private static final Pattern RECEIVED = Pattern.compile("Received \\(SW1=0x([0-9A-F]{2}), SW2=0x([0-9A-F]{2})\\)"
            + ":?");

    /**
     * The exchanges in the output of {@code opensc-tool -s ...}: "Sending: 00 A4 ...", "Received (SW1=0x90,
     * SW2=0x00):", then the data, 16 bytes a line ({@link #dumpedBytes}).
     */
    static List<Exchange> exchanges(String output) {
        List<Exchange> exchanges = new ArrayList<>();
        String command = null;
        String sw = null;
        StringBuilder data = new StringBuilder();
        for (String line : output.lines().toList()) {
            Matcher sending = SENDING.matcher(line);
            Matcher received = RECEIVED.matcher(line);
            if (sending.matches()) {
                if (command != null) {
                    exchanges.add(new Exchange(command, sw, data.toString()));
                }
                command = sending.group(1).replace(" ", "");
                sw = null;
                data.setLength(0);
            } else if (received.matches()) {
                sw = received.group(1) + received.group(2);
            } else if (sw != null && !line.isBlank()) {
                data.append(dumpedBytes(line));
            }
        }
        if (command != null) {
            exchanges.add(new Exchange(command, sw, data.toString()));
        }
        return exchanges;
    }

    /**
     * The bytes of one line of OpenSC's hex dump, in hex: k bytes as "XX XX ... XX", one space, the k bytes as text
     * (which may hold spaces); the hex is padded to 48 characters (16 bytes) when the dump has more than one line.
     */
    static String dumpedBytes(String line) {
        int length = line.length();
        int padded = length - 48;
        int count = padded >= 1 && padded <= 16 && line.substring(3 * padded - 1, 48).isBlank() ? padded : length / 4;
        return line.substring(0, 3 * count - 1).replace(" ", "");
    }

    private static String ascii(String text) {
        return HEX.formatHex(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void openscToolSeesTheReaderTheAtrAndTheCard() throws Exception {
        assertThat(run(opensc, "opensc-tool", "--list-readers").succeeded().lines())
                .as("vpcd's first reader, with a card").anyMatch(l -> l.matches("\\d+\\s+Yes\\s+" + READER));
        String atr = run(opensc, "opensc-tool", "--reader", READER, "--atr").succeeded().lines().stream()
                .filter(l -> l.matches("([0-9a-f]{2}:)+[0-9a-f]{2}")).findFirst().orElseThrow();
        assertThat(atr.replace(":", "").toUpperCase()).as("the ATR through pcscd is the simulator's")
                .isEqualTo(simulatorAtr(READER_0)).isEqualTo("3B8801534341524453494D99");
        assertThat(run(opensc, "opensc-tool", "--reader", READER, "--name", "--verbose").succeeded().lines())
                .as("no OpenSC driver knows the card: the generic ISO 7816-4 one serves it")
                .contains("Using card driver Default driver for unknown cards.", "Card name: Unsupported card");
    }

    @Test
    void openscToolSendsApdusAndGetsTheCardsAnswers() throws Exception {
        String select4402 = "00A4000C024402";
        List<Exchange> exchanges = exchanges(run(opensc, "opensc-tool", "--reader", READER,
                "-s", "00A4040C0C" + AID, // the PKCS#15 application by its AID
                "-s", "00A4020C025031", "-s", "00B0000010", // EF.ODF
                "-s", "00A4000C029999", // no such file
                "-s", select4402, "-s", "00B0000020", // needs PIN 01
                "-s", "0020000104" + ascii("1234"), "-s", select4402, "-s", "00B0000020",
                "-s", "00A4020C025131", "-s", "00B2020410", // record 2 of the linear fixed file
                "-s", "8016000000" // LIST FILES of DF 5015
        ).succeeded().output());
        assertThat(exchanges).extracting(Exchange::sw).containsExactly("9000", "9000", "9000", "6A82", "9000",
                "6982", "9000", "9000", "9000", "9000", "9000", "9000");
        assertThat(exchanges.get(2).data()).isEqualTo(ODF);
        assertThat(exchanges.get(5).data()).as("no data with 6982").isEmpty();
        assertThat(exchanges.get(8).data()).isEqualTo(ascii("read and update after PIN 01") + "00000000");
        assertThat(exchanges.get(10).data()).isEqualTo(ascii("fixed record 2") + "0000");
        assertThat(exchanges.get(11).data()).isEqualTo(
                "4401" + "4402" + "4403" + "4404" + "4421" + "4422" + "5031" + "5032" + "5131" + "5132" + "5133");
    }

    /**
     * opensc-tool with a T=0 card: a case-3 SELECT gets {@code 6113} from the card, which OpenSC turns into
     * {@code 9000} itself (no data was asked for); a case-2 SELECT gets the FCP at once; a READ RECORD with too
     * short an Le gets {@code 6C08}, and OpenSC sends it again with Le 08.
     */
    @Test
    void openscToolHandlesTheT0AnswersOfAT0Card() throws Exception {
        insertIntoReader1(T0_CARD);
        List<Exchange> exchanges = exchanges(run(opensc, "opensc-tool", "--reader", VpcdRig.EMPTY_READER,
                "-s", "00A40000023F00", "-s", "00A4000000", "-s", "00A4020C020101", "-s", "00B2010404")
                .succeeded().output());
        assertThat(exchanges).extracting(Exchange::sw).containsExactly("9000", "9000", "9000", "9000");
        assertThat(exchanges.get(0).data()).isEmpty();
        assertThat(exchanges.get(1).data()).as("the MF's FCP, its access rules in ISO's expanded format (AB)")
                .isEqualTo("621182013883023F008A0105" + "AB0580011F9000");
        assertThat(exchanges.get(3).data()).isEqualTo(ascii("record 1"));
    }

    /**
     * An opensc-explorer script. {@code ls} has nothing to list with: ISO 7816-4 has no command that lists a DF,
     * the generic driver does not know the simulator's LIST FILES ({@code 80 16}, modelled on CardOS's, whose OpenSC
     * driver asks it differently), and OpenSC says so. OpenSC 0.23 reports the card's {@code 6982} to a READ
     * BINARY as "EF offset too large" (its {@code sc_read_binary} turns any error of a first read into that); the
     * card's answer is {@code 6982}, as {@link #openscToolSendsApdusAndGetsTheCardsAnswers} shows.
     */
    @Test
    void openscExplorerBrowsesTheCardAndVerifiesThePin() throws Exception {
        Path script = ExternalProgram.copyResource(OpenScTest.class, "explorer-script.txt", dir);
        List<String> lines = run(opensc, "opensc-explorer", "--reader", READER, script.toString()).succeeded()
                .lines().stream().map(l -> l.startsWith("Read failed: ") ? "Read failed" : l).toList();
        assertThat(lines).containsSubsequence(
                "Unable to receive file listing: Not supported", // ls
                "00000000: A8 06 30 04 04 02 44 21 A7 06 30 04 04 02 44 22 ..0...D!..0...D\"", // cat 5031
                "30 SEQUENCE (51 bytes)", // asn1 5032: EF.TokenInfo
                "02 INTEGER (1 byte): 0",
                "04 OCTET STRING (8 bytes): 00 00 00 00 00 00 00 01 ........",
                "0C UTF8String (13 bytes): SCard project",
                "80 Context 0  (17 bytes)",
                "Record 1:", // cat 5131: the linear fixed file, record by record
                "00000000: 66 69 78 65 64 20 72 65 63 6F 72 64 20 31 00 00 fixed record 1..",
                "Record 5:",
                "00000000: 66 69 78 65 64 20 72 65 63 6F 72 64 20 35 00 00 fixed record 5..",
                "Read failed", // cat 4402 before PIN 01 (the card said 6982)
                "Incorrect code, 2 tries left.", // verify CHV1 with 9999
                "Code correct.", // verify CHV1 with 1234
                "00000000: 72 65 61 64 20 61 6E 64 20 75 70 64 61 74 65 20 read and update", // cat 4402
                "00000010: 61 66 74 65 72 20 50 49 4E 20 30 31 00 00 00 00 after PIN 01....",
                "00000000: 53 43 61 72 64 20 73 69 6D 75 6C 61 74 6F 72 20 SCard simulator"); // cd .., cat 2F01
        assertThat(lines).as("every command of the script ran: one 'Record n:' per record of 5131")
                .filteredOn(l -> l.matches("Record \\d:")).hasSize(5);
    }

    @Test
    void pkcs15ToolDumpsTheTokenItsPinsAndDataObjects() throws Exception {
        ExternalProgram.Result dump = run(opensc, "pkcs15-tool", "--reader", READER, "--dump").succeeded();
        assertThat(dump.lines()).as(dump.output()).containsSubsequence(
                "PKCS#15 Card [SCard sample card]:",
                "Version        : 0",
                "Serial number  : 0000000000000001",
                "Manufacturer ID: SCard project",
                "Flags          : PRN generation",
                "PIN [User PIN]",
                "Object Flags   : [0x02], modifiable",
                "ID             : 01",
                "Flags          : [0x10], initialized",
                "Length         : min_len:4, max_len:4, stored_len:4",
                "Reference      : 1 (0x01)",
                "Type           : ascii-numeric",
                "Path           : 3f00",
                "PIN [DF 5015 PIN]",
                "ID             : 02",
                "Flags          : [0x12], local, initialized",
                "Reference      : 129 (0x81)",
                "Path           : 3f005015",
                "Data object 'Auth key data'",
                "applicationName: SCard sample",
                "Path:            a000000063504b43532d3135::4404",
                "Data (16 bytes): 61757468206B65792030312064617461",
                "Data object 'PIN 01 data'",
                "applicationName: SCard sample",
                "Path:            a000000063504b43532d3135::4402",
                "Auth ID:         01");
        assertThat(dump.output()).doesNotContain("failed", "PKCS#15 binding");

        assertThat(run(opensc, "pkcs15-tool", "--reader", READER, "--read-data-object", "Auth key data")
                .succeeded().lines()).contains(
                        "Data Object (16 bytes): < 61 75 74 68 20 6B 65 79 20 30 31 20 64 61 74 61 >");
        assertThat(run(opensc, "pkcs15-tool", "--reader", READER, "--read-data-object", "PIN 01 data", "--pin",
                "1234").succeeded().lines()).as("a private object, after the PIN of its auth ID").contains(
                        "Data Object (32 bytes): < 72 65 61 64 20 61 6E 64 20 75 70 64 61 74 65 20 61 66 74 65 72"
                                + " 20 50 49 4E 20 30 31 00 00 00 00 >");
        ExternalProgram.Result wrongPin = run(opensc, "pkcs15-tool", "--reader", READER, "--verify-pin",
                "--auth-id", "02", "--pin", "9999");
        assertThat(wrongPin.exitCode()).as(wrongPin.output()).isNotZero();
        assertThat(run(opensc, "pkcs15-tool", "--reader", READER, "--verify-pin", "--auth-id", "02", "--pin",
                "0000").exitCode()).as("the local PIN 81 in DF 5015").isZero();
    }

    @Test
    void pkcs11ToolShowsTheTokenAndItsObjects() throws Exception {
        String module = PKCS11_MODULES.stream().filter(m -> Files.isReadable(Path.of(m))).findFirst()
                .orElse(null);
        if (module == null) {
            VpcdRig.skip("pkcs11-tool with OpenSC's PKCS#11 module", "opensc-pkcs11.so is in none of "
                    + PKCS11_MODULES + " (apt-get install opensc-pkcs11)");
        }
        ExternalProgram.Result slots = run(opensc, "pkcs11-tool", "--module", module, "--list-slots").succeeded();
        // OpenSC makes a slot for each PIN of the token, named after the PIN
        for (String pin : List.of("User PIN", "DF 5015 PIN")) {
            assertThat(slots.lines()).as(slots.output()).containsSubsequence(
                    "token label        : SCard sample card (" + pin + ")",
                    "token manufacturer : SCard project",
                    "token model        : PKCS#15",
                    "token flags        : login required, token initialized, PIN initialized",
                    "serial num         : 0000000000000001",
                    "pin min/max        : 4/4");
        }
        assertThat(slots.lines()).filteredOn(l -> l.startsWith("Slot ") && l.endsWith(": " + READER)).hasSize(2);

        String userToken = "SCard sample card (User PIN)";
        assertThat(run(opensc, "pkcs11-tool", "--module", module, "--token-label", userToken, "--list-objects")
                .succeeded().lines()).as("without login: the public data object only")
                .contains("label:          'Auth key data'").doesNotContain("label:          'PIN 01 data'");
        assertThat(run(opensc, "pkcs11-tool", "--module", module, "--token-label", userToken, "--login", "--pin",
                "1234", "--list-objects").succeeded().lines()).containsSubsequence(
                        "label:          'PIN 01 data'", "application:    'SCard sample'", "flags:           private")
                .contains("label:          'Auth key data'");
        assertThat(run(opensc, "pkcs11-tool", "--module", module, "--token-label", userToken, "--read-object",
                "--type", "data", "--label", "Auth key data").succeeded().output()).contains("auth key 01 data");
        assertThat(slots.lines()).as("vpcd's second reader is there, empty").contains("(empty)");
    }
}
