package dev.scard.itest.reliability;

import static dev.scard.itest.support.Apdus.assertSuccess;
import static dev.scard.itest.support.Apdus.selectMf;
import static dev.scard.testsupport.Expect.failure;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.itest.support.VpcdRig;
import dev.scard.testsupport.Worker;

/**
 * A card that goes away or is reset under a transaction: the lock holder gets {@code SCARD_W_REMOVED_CARD} (or
 * {@code SCARD_W_RESET_CARD}), a manager waiting for the card is not wedged, and both recover with
 * {@code reconnect()} once the card is back. The removal runs in-process on the simulator and through pcscd (the
 * served card taken out of the simulated reader); the reset comes from another process (pyscard's
 * {@code SCardReconnect} with {@code SCARD_RESET_CARD}) through pcscd.
 */
public class CardLossTest extends ReliabilityBase {

    @Test
    void cardRemovedUnderALockOnTheSimulator() throws Exception {
        removedUnderALock(SIM, SIM_READER_0);
    }

    @Test
    void cardRemovedUnderALockThroughPcscd() throws Exception {
        requirePcsc("card removal under a lock through pcscd");
        removedUnderALock(PCSC, VpcdRig.CARD_READER);
    }

    private void removedUnderALock(String backend, String reader) throws Exception {
        onCleanup(() -> restoreReader(SIM_READER_0, true));
        ISCardManage holder = attached(backend, reader);
        ISCardManage waiter = attached(backend, reader);
        holder.lock();
        assertSuccess(holder.transmit(selectMf()));
        Worker<byte[]> waiting = inBackground("transmit waiting for the lock", () -> waiter.transmit(selectMf()));
        Thread.sleep(200);
        assertThat(waiting.isDone()).as("the other manager's transmit waits while the card is locked").isFalse();

        long removed = System.nanoTime();
        control.remove(SIM_READER_0);
        awaitPcscdIfServed(SIM_READER_0, false);
        failure(HResult.SCARD_W_REMOVED_CARD, () -> holder.transmit(selectMf()));
        Throwable waiterFailure = waiting.failure(BOUND);
        long freed = millisSince(removed);
        assertThat(waiterFailure).as("the waiting manager's failure").isInstanceOf(SCardException.class);
        assertThat(((SCardException) waiterFailure).code()).as("code of %s", waiterFailure.getMessage())
                .isIn(HResult.SCARD_W_REMOVED_CARD, HResult.SCARD_E_NO_SMARTCARD);

        control.insert(SIM_READER_0);
        awaitPcscdIfServed(SIM_READER_0, true);
        holder.reconnect();
        waiter.reconnect();
        assertSuccess(holder.transmit(selectMf()));
        assertSuccess(waiter.transmit(selectMf()));
        failure(HResult.SCARD_E_NOT_TRANSACTED, holder::unlock);
        Figures.record("e. card removed under a lock, " + backend, "holder got SCARD_W_REMOVED_CARD; the waiting"
                + " manager got " + ((SCardException) waiterFailure).code() + " " + freed
                + " ms after the removal; both recovered with reconnect after re-insertion");
    }

    @Test
    void cardResetByAnotherProcessThroughPcscd() throws Exception {
        requirePcsc("card reset by another process through pcscd");
        ISCardManage manager = attached(PCSC, VpcdRig.CARD_READER);
        assertSuccess(manager.transmit(selectMf()));
        String output = pyscard("reset by another process", pyscardPrologue(VpcdRig.CARD_READER)
                + "hr, card, proto = SCardConnect(ctx, reader, SCARD_SHARE_SHARED, protocols)\n"
                + "assert hr == SCARD_S_SUCCESS, 'connect: ' + SCardGetErrorMessage(hr)\n"
                + "hr, proto = SCardReconnect(card, SCARD_SHARE_SHARED, protocols, SCARD_RESET_CARD)\n"
                + "assert hr == SCARD_S_SUCCESS, 'reconnect: ' + SCardGetErrorMessage(hr)\n"
                + "SCardDisconnect(card, SCARD_LEAVE_CARD)\n"
                + "print('reset done')\n");
        assertThat(output).as("pyscard's output").isEqualTo("reset done");
        failure(HResult.SCARD_W_RESET_CARD, () -> manager.transmit(selectMf()));
        long start = System.nanoTime();
        manager.reconnect();
        assertSuccess(manager.transmit(selectMf()));
        Figures.record("f. card reset by another process (pyscard), pcsc", "SCARD_W_RESET_CARD seen, reconnect"
                + " + transmit took " + millisSince(start) + " ms");
    }
}
