package dev.scard.pcsc.internal;

import static dev.scard.pcsc.internal.PcscdRig.READER_0;
import static dev.scard.testsupport.Expect.code;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;
import dev.scard.core.CardManager;
import dev.scard.core.HandleTable;

/**
 * The card program behind vpcd dies in the middle of a session (its TCP connection to vpcd is reset), and comes back:
 * every call of the connections that reached the card reports the same failure, which says that the reader or its
 * driver failed the exchange (not pcsc-lite's "no transaction to end"); {@code status} never claims the card for them;
 * once the card program is back, {@code reconnect} reaches it and everything works again.
 */
class LinkFailureOverPcscdTest extends PcscdTestBase {

    /** A command the crashing card dies on, without answering. */
    private static final byte[] DIE = {0x00, (byte) 0xDD, 0x00, 0x00};

    /** Replaces the test card with one whose program dies when it gets {@link #DIE}. */
    private void insertCrashingCard() throws Exception {
        card0.remove();
        awaitCard(READER_0, false);
        AtomicReference<VpcdTestCard> self = new AtomicReference<>();
        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0, VpcdTestCard.ATR_T1, command -> {
            if ((command[1] & 0xFF) == 0xDD) {
                self.get().crash();
                return null;
            }
            return VpcdTestCard.defaultAnswer(command);
        });
        self.set(card0);
        awaitCard(READER_0, true);
    }

    /** The failure every call reports once the card program died: REMOVED, saying what failed, the same each time. */
    private static void assertExchangeFailure(SCardException failure) {
        assertThat(failure.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(failure.getMessage())
                .startsWith("the reader or its driver ")
                .contains("the card in reader '" + READER_0 + "'")
                .contains("the card, or the link to it, stopped answering; reconnect once it answers again")
                .doesNotContain("no transaction to end")
                .doesNotContain("reset by another");
    }

    @Test
    void theCardProgramDyingMidExchangeIsOneFailureForEveryCallUntilReconnect() throws Exception {
        insertCrashingCard();
        PcscConnection connection = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        PcscConnection other = backend.connect(READER_0, ShareMode.SHARED, Protocol.T0_OR_T1);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        SCardException died = failure(() -> connection.transmit(DIE));
        assertExchangeFailure(died);
        String message = died.getMessage();

        // at once, before or after pcscd polled the reader (every 400 ms): the same failure everywhere
        assertThat(connection.status().state()).as("never this connection's card any more")
                .isIn(CardState.PRESENT, CardState.ABSENT);
        assertThat(failure(() -> connection.transmit(SELECT_MF)).getMessage()).isEqualTo(message);
        assertThat(failure(() -> connection.beginTransaction(0)).getMessage()).isEqualTo(message);
        assertThat(failure(() -> connection.endTransaction(Disposition.LEAVE)).getMessage()).isEqualTo(message);
        assertThat(other.status().state()).as("nor the other connection's that reached it")
                .isIn(CardState.PRESENT, CardState.ABSENT);
        assertThat(failure(() -> other.transmit(SELECT_MF)).getMessage()).isEqualTo(message);

        // pcscd notices the card is gone: status says so, the calls still say what failed
        awaitCard(READER_0, false);
        CardStatus absent = connection.status();
        assertThat(absent.state()).isEqualTo(CardState.ABSENT);
        assertThat(absent.protocol()).isEqualTo(Protocol.UNDEFINED);
        assertThat(absent.atr()).isEmpty();
        assertThat(failure(() -> connection.transmit(SELECT_MF)).getMessage()).isEqualTo(message);
        assertThat(failure(() -> connection.beginTransaction(0)).getMessage()).isEqualTo(message);
        assertThat(code(() -> connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE)))
                .isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        assertThat(failure(() -> connection.transmit(SELECT_MF)).getMessage()).as("a failed reconnect changes nothing")
                .isEqualTo(message);

        // the card program is back: the reader shows it, the connections reach it only through a reconnect
        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0);
        awaitCard(READER_0, true);
        CardStatus back = connection.status();
        assertThat(back.state()).isEqualTo(CardState.PRESENT);
        assertThat(back.atr()).isEqualTo(VpcdTestCard.ATR_T1);
        assertThat(failure(() -> connection.transmit(SELECT_MF)).getMessage()).isEqualTo(message);
        assertThat(failure(() -> connection.beginTransaction(0)).getMessage()).isEqualTo(message);

        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        CardStatus reached = connection.status();
        assertThat(reached.state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(reached.protocol()).isEqualTo(Protocol.T1);
        assertThat(connection.beginTransaction(0)).isTrue();
        assertThat(connection.transmit(GET_CHALLENGE)).hasSize(10);
        connection.endTransaction(Disposition.LEAVE);

        assertThat(failure(() -> other.transmit(SELECT_MF)).getMessage()).isEqualTo(message);
        other.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.RESET);
        assertThat(other.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        SCardException reset = failure(() -> connection.transmit(SELECT_MF));
        assertThat(reset.code()).as("after the recovery, another connection's reset is a reset again")
                .isEqualTo(HResult.SCARD_W_RESET_CARD);
        assertThat(reset.getMessage()).startsWith("the card in reader '" + READER_0 + "' was reset by another "
                + "connection or application (SCARD_W_RESET_CARD from SCardTransmit)");
        assertThat(connection.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        connection.reconnect(ShareMode.SHARED, Protocol.T0_OR_T1, Disposition.LEAVE);
        assertThat(connection.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
    }

    @Test
    void theCardProgramDyingBetweenExchangesFailsTheNextOneAndTheManagersAgree() throws Exception {
        HandleTable handles = new HandleTable();
        ISCardManage manager = new CardManager(backend, handles);
        ISCardManage holder = new CardManager(backend, handles);
        manager.attachByIfd(READER_0);
        holder.attachByIfd(READER_0);
        assertThat(manager.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
        holder.lock(Duration.ofSeconds(1));
        assertThat(holder.transmit(SELECT_MF)).containsExactly(0x90, 0x00);

        card0.crash(); // reset, as when its process is killed
        SCardException died = failure(() -> holder.transmit(SELECT_MF));
        // before pcscd polled the reader, vpcd fails the send (SCARD_E_NOT_TRANSACTED); after, pcscd reports a removal
        assertThat(died.code()).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(died.getMessage()).doesNotContain("no transaction to end").doesNotContain("reset by another");
        assertThat(holder.status().state()).isIn(CardState.PRESENT, CardState.ABSENT);
        assertThat(code(() -> holder.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(code(holder::unlock)).as("the lock ended with the card").isEqualTo(HResult.SCARD_W_REMOVED_CARD);
        assertThat(holder.isLocked()).isFalse();

        awaitCard(READER_0, false);
        for (ISCardManage m : new ISCardManage[] {manager, holder}) {
            assertThat(m.status().state()).isEqualTo(CardState.ABSENT);
            assertThat(code(() -> m.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
            assertThat(code(() -> m.lock(Duration.ofMillis(100)))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
            assertThat(code(m::reconnect)).isEqualTo(HResult.SCARD_E_NO_SMARTCARD);
        }

        card0 = VpcdTestCard.insert(VpcdTestCard.SLOT0);
        awaitCard(READER_0, true);
        for (ISCardManage m : new ISCardManage[] {manager, holder}) {
            assertThat(m.status().state()).isEqualTo(CardState.PRESENT);
            assertThat(code(() -> m.transmit(SELECT_MF))).isEqualTo(HResult.SCARD_W_REMOVED_CARD);
            m.reconnect();
            assertThat(m.transmit(SELECT_MF)).containsExactly(0x90, 0x00);
            assertThat(m.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
            m.lock(Duration.ofSeconds(1));
            assertThat(m.transmit(GET_CHALLENGE)).hasSize(10);
            m.unlock();
        }
        ((CardManager) manager).dispose("test");
        ((CardManager) holder).dispose("test");
        assertThat(backend.openConnections()).isZero();
    }
}
