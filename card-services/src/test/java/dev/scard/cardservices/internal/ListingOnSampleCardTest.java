package dev.scard.cardservices.internal;

import static dev.scard.cardservices.internal.SampleCard.padded;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.scard.api.FileType;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.RefType;
import dev.scard.api.SCardFlag;
import dev.scard.api.Tlv;

/**
 * Listing on the simulator's sample card, which has LIST FILES ({@code 80 16 00 00}): what {@code directory}, the
 * non-recursive delete of a DF and opening by short identifier cost in APDUs (counted by a recording wrapper around
 * the manager), and the same calls on the same card made to look like a card without LIST FILES (the wrapper
 * answers {@code 80 16} itself), which are probed.
 */
class ListingOnSampleCardTest {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final String LIST = "8016000000";
    private static final int TRIED = Listing.WELL_KNOWN.length;

    private final SampleCard card = new SampleCard();
    private final Recorder recorder = new Recorder(card.manager());
    private final IsoFileAccess files = new IsoFileAccess(recorder.proxy());
    private final ISCardVerify pins = card.manager().createCHVerification();

    /** Passes every call to the manager, recording each command; answers LIST FILES itself when told to. */
    static final class Recorder implements InvocationHandler {
        final List<String> sent = new ArrayList<>();
        private final ISCardManage target;
        /** What LIST FILES gets instead of the card's answer; null: the card's answer. */
        String listFilesAnswer;

        Recorder(ISCardManage target) {
            this.target = target;
        }

        ISCardManage proxy() {
            return (ISCardManage) Proxy.newProxyInstance(ISCardManage.class.getClassLoader(),
                    new Class<?>[] {ISCardManage.class}, this);
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("transmit")) {
                String command = HEX.formatHex((byte[]) args[0]);
                sent.add(command);
                if (listFilesAnswer != null && command.startsWith("8016")) {
                    return HEX.parseHex(listFilesAnswer);
                }
            }
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        int count(String command) {
            return Collections.frequency(sent, command);
        }
    }

    @AfterEach
    void close() {
        card.close();
    }

    @Test
    void directoryOfTheMfIsFiveApdusAndOf5015Fourteen() {
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(recorder.sent).containsExactly("00A40004023F0000", LIST, "00A40804022F0000", "00A40804022F0100",
                "00A4080402501500", "00A4000C023F00");
        files.changeDir(RefType.BY_ID, "3F00/5015");
        recorder.sent.clear();
        assertThat(files.directory(FileType.ALL_FILES))
                .containsExactly("4401", "4402", "4403", "4404", "4421", "4422", "5031", "5032", "5131", "5132",
                        "5133");
        assertThat(recorder.sent).hasSize(2 + 11 + 1).startsWith("00A4080402501500", LIST);
        recorder.sent.clear();
        assertThat(files.directory(FileType.TRANSPARENT_EF)).containsExactly("4401", "4402", "4403", "4404", "4421",
                "4422", "5031", "5032");
        assertThat(files.directory(FileType.FIXED_EF)).containsExactly("5131");
        assertThat(files.directory(FileType.CYCLIC_EF)).containsExactly("5132");
        assertThat(files.directory(FileType.VARIABLE_EF)).containsExactly("5133");
        assertThat(files.directory(FileType.DIRECTORIES)).isEmpty();
        assertThat(recorder.sent).hasSize(5 * 14);
        assertThat(recorder.count(LIST)).isEqualTo(5);
    }

    @Test
    void aNewEmptyDirectoryAndADeletedFileShowInTheNextListing() {
        pins.verify(SampleCard.PIN, SCardFlag.NONE, 1);
        files.create(RefType.BY_ID, "3F00/5015/6000", List.of(Tlv.of(0x82, new byte[] {0x38})), SCardFlag.NONE,
                null);
        files.changeDir(RefType.BY_ID, "3F00/5015/6000");
        recorder.sent.clear();
        assertThat(files.directory(FileType.ALL_FILES)).isEmpty();
        assertThat(recorder.sent).containsExactly("00A40804045015600000", LIST);
        files.changeDir(RefType.BY_ANY, "..");
        assertThat(files.directory(FileType.DIRECTORIES)).containsExactly("6000");
        files.delete(RefType.BY_ID, "5131", SCardFlag.NONE);
        assertThat(files.directory(FileType.ALL_FILES))
                .containsExactly("4401", "4402", "4403", "4404", "4421", "4422", "5031", "5032", "5132", "5133",
                        "6000");
    }

    @Test
    void aNonRecursiveDeleteOfADirectoryAsksWhetherItIsEmpty() {
        pins.verify(SampleCard.PIN, SCardFlag.NONE, 1);
        files.create(RefType.BY_ID, "3F00/6000", List.of(Tlv.of(0x82, new byte[] {0x38})), SCardFlag.NONE, null);
        recorder.sent.clear();
        failure(HResult.E_INVALIDARG, () -> files.delete(RefType.BY_ID, "3F00/5015", SCardFlag.NONE));
        assertThat(recorder.sent).containsExactly("00A4080402501500", LIST, "00A4000C023F00");
        recorder.sent.clear();
        files.delete(RefType.BY_ID, "3F00/6000", SCardFlag.NONE);
        assertThat(recorder.sent).containsExactly("00A4080402600000", LIST, "00A4000C023F00", "00E40000026000");
        assertThat(files.directory(FileType.DIRECTORIES)).containsExactly("5015");
    }

    @Test
    void openByShortIdentifierSelectsTheLikeliestListedFileFirst() {
        files.changeDir(RefType.BY_ID, "3F00/5015");
        recorder.sent.clear();
        long handle = files.open(RefType.BY_SHORT_ID, "sfi:11");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(padded("fixed record 1", 16));
        assertThat(recorder.sent.subList(0, 6)).as("the low five bits of 5031 and 5131 are 11: 5031 (no SFI), then 5131")
                .containsExactly("00A4080402501500", LIST, "00A40804045015503100", "00A40804045015513100",
                        "00A4080C025015", "00A40804045015513100");
        recorder.sent.clear();
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.open(RefType.BY_ANY, "sfi:12"));
        assertThat(recorder.sent).as("the DF, LIST FILES, each of its 11 files once, the DF again")
                .hasSize(2 + 11 + 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"6D00", "6E00", "6A86", "6A81", "6881"})
    void aCardWithoutListFilesGetsTheWellKnownIdentifiersOnceItSaidSo(String refusal) {
        recorder.listFilesAnswer = refusal;
        assertThat(files.directory(FileType.ALL_FILES)).containsExactly("2F00", "2F01", "5015");
        assertThat(recorder.sent).as("the MF, LIST FILES, the identifiers, EF.DIR's record and its application"
                + " (by name, then by path), the MF again").hasSize(1 + 1 + TRIED + 1 + 2 + 1);
        assertThat(recorder.sent).contains("00B2010400", "00A404040CA000000063504B43532D313500");
        assertThat(recorder.count(LIST)).isEqualTo(1);
        files.changeDir(RefType.BY_ID, "3F00/5015");
        recorder.sent.clear();
        assertThat(files.directory(FileType.ALL_FILES))
                .as("only well-known identifiers: not the AODF/DODF (4421, 4422) nor the record files 5131-5133")
                .containsExactly("4401", "4402", "4403", "4404", "5031", "5032");
        assertThat(recorder.sent).as("not asked again; 5015 itself not tried").hasSize(1 + TRIED - 1 + 1)
                .doesNotContain(LIST);
    }

    @Test
    void withoutListFilesTheOtherListingsProbeToo() {
        recorder.listFilesAnswer = "6D00";
        pins.verify(SampleCard.PIN, SCardFlag.NONE, 1);
        files.create(RefType.BY_ID, "3F00/6000", List.of(Tlv.of(0x82, new byte[] {0x38})), SCardFlag.NONE, null);
        failure(HResult.SCARD_E_UNSUPPORTED_FEATURE, () -> files.delete(RefType.BY_ID, "3F00/6000",
                Set.of(SCardFlag.NON_RECURSIVE)));
        assertThat(recorder.sent).as("an empty DF cannot be told from one with unknown files").hasSizeLessThan(60);
        files.delete(RefType.BY_ID, "3F00/6000", Set.of(SCardFlag.RECURSIVE));
        failure(HResult.E_INVALIDARG, () -> files.delete(RefType.BY_ID, "3F00/5015", SCardFlag.NONE));
        files.changeDir(RefType.BY_ID, "3F00/5015");
        // The EF with SFI 11 is 5131, which is no well-known identifier: without LIST FILES it cannot be found.
        failure(HResult.SCARD_E_FILE_NOT_FOUND, () -> files.open(RefType.BY_SHORT_ID, "sfi:11"));
        long handle = files.open(RefType.BY_ID, "5131");
        assertThat(files.read(handle, 0, SCardFlag.NONE)).isEqualTo(padded("fixed record 1", 16));
        assertThat(recorder.count(LIST)).isEqualTo(1);
    }
}
