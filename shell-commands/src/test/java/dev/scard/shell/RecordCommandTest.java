package dev.scard.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.recorder.Recording;
import dev.scard.recorder.SessionRecorder;

/**
 * What scard:record answers when it cannot record: no card, a card it cannot ask for its status, nothing to stop
 * (the recording itself runs in-framework: integration-tests).
 */
class RecordCommandTest {

    private final CardShell shell = new CardShell();
    /** The files the recorder was asked to create. */
    private final List<Path> asked = new ArrayList<>();
    private final SessionRecorder recorder = new SessionRecorder() {
        @Override
        public Recording record(String attachment, String reader, String backend, String atrHex, Protocol protocol,
                Path file) {
            asked.add(file);
            throw new UnsupportedOperationException("not expected here");
        }
    };
    private final RecordCommand record = new RecordCommand(shell.commands, recorder);

    @AfterEach
    void close() {
        shell.close();
    }

    @Test
    void stopWhileNotRecordingIsBadInputNotAMissingAttachment() {
        assertThatIllegalArgumentException().isThrownBy(() -> record.stop(shell.session))
                .withMessage("this session is not recording (scard:record <file> starts a recording)"
                        + " [E_INVALIDARG 0x80070057]");
    }

    @Test
    void aReaderWithoutACardIsNoSmartcardNamingTheReader() {
        shell.simulator.remove(CardShell.READER);
        CommandSession empty = CardShell.session(new HashMap<>());
        shell.commands.attach(empty, "", "t0,t1", CardShell.READER);

        SCardException e = catchThrowableOfType(() -> record.start(empty, "out.json"), SCardException.class);
        assertThat(e.code()).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(e).hasMessage("no card in '" + CardShell.READER + "' [SCARD_E_NO_SMARTCARD 0x8010000C]");
        assertThat(asked).as("nothing to record: the recorder is not asked").isEmpty();
    }

    @Test
    void aFailingStatusIsReportedWithItsOwnCode() {
        shell.managers.get(0).dispose("the backend stopped"); // the session's manager: its status fails

        SCardException e = catchThrowableOfType(() -> record.start(shell.session, "out.json"), SCardException.class);
        assertThat(e).as("the status failure itself, not an empty reader name as bad input").isNotNull();
        assertThat(e.code()).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(e).hasMessage("this ISCardManage instance was released: the backend stopped"
                + " [SCARD_E_SERVICE_STOPPED 0x8010001E]");
        assertThat(asked).isEmpty();
    }
}
