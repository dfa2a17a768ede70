package dev.scard.core;

import java.io.ByteArrayOutputStream;
import java.time.Instant;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

import dev.scard.core.spi.ReaderConnection;

/**
 * One APDU exchange as every backend does it: checks the command, sends it, and completes T=0-style answers for
 * the caller: {@code 6Cxx} (wrong Le; resent once with Le = xx) and {@code 61xx} (more data; GET RESPONSE until
 * the card is done). Both are handled whatever the protocol, since some T=1 cards answer them too. The whole
 * exchange runs in {@link ReaderConnection#exchangeAtomically}, so no other connection's command gets between a
 * command and the GET RESPONSE or resend that completes it.
 */
public final class ApduExchange {

    /** The most GET RESPONSE commands one exchange sends before it gives up on a card that never finishes. */
    static final int MAX_GET_RESPONSES = 512;

    private ApduExchange() {
    }

    /**
     * Sends {@code command} over {@code connection} and returns the complete response.
     *
     * @throws SCardException {@link HResult#E_INVALIDARG} for a malformed command;
     *         {@link HResult#SCARD_F_COMM_ERROR} when the card answers fewer than two bytes or never ends a
     *         61xx chain; anything the connection throws
     */
    public static byte[] exchange(ReaderConnection connection, byte[] command) {
        return exchange(connection, command, null);
    }

    /**
     * {@link #exchange(ReaderConnection, byte[])}, reporting each command that reaches the card and its answer to
     * {@code probe} (none when null).
     */
    static byte[] exchange(ReaderConnection connection, byte[] command, CardTap.Probe probe) {
        CommandApdu.check(command);
        // three captures, as many as before the trace: the case is asked again only after a 6Cxx
        return connection.exchangeAtomically(() -> exchangeChecked(connection, command, probe));
    }

    /** The exchange of a checked command. */
    private static byte[] exchangeChecked(ReaderConnection connection, byte[] command, CardTap.Probe probe) {
        byte[] response = send(connection, command, probe, false);
        int length = checkedLength(response);
        int sw1 = response[length - 2] & 0xFF;
        if (sw1 == 0x6C && CommandApdu.check(command)) {
            response = send(connection, CommandApdu.withLe(command, response[length - 1] & 0xFF), probe, true);
            length = checkedLength(response);
            sw1 = response[length - 2] & 0xFF;
        }
        if (sw1 != 0x61) {
            return response;
        }
        return collectResponses(connection, command[0], response, probe);
    }

    /** One {@link ReaderConnection#transmit}, reported to {@code probe} when there is one. */
    private static byte[] send(ReaderConnection connection, byte[] command, CardTap.Probe probe, boolean byCore) {
        if (probe == null) {
            return connection.transmit(command);
        }
        Instant sent = TraceClock.now();
        byte[] response = connection.transmit(command);
        probe.apdu(sent, command, response == null ? new byte[0] : response, byCore);
        return response;
    }

    private static byte[] collectResponses(ReaderConnection connection, int cla, byte[] first, CardTap.Probe probe) {
        ByteArrayOutputStream data = new ByteArrayOutputStream(first.length + 256);
        byte[] response = first;
        for (int round = 0; round < MAX_GET_RESPONSES; round++) {
            int length = response.length;
            data.write(response, 0, length - 2);
            if ((response[length - 2] & 0xFF) != 0x61) {
                data.write(response, length - 2, 2);
                return data.toByteArray();
            }
            response = send(connection, CommandApdu.getResponse(cla, response[length - 1] & 0xFF), probe, true);
            checkedLength(response);
        }
        throw new SCardException(HResult.SCARD_F_COMM_ERROR,
                "the card still answered 61xx after " + MAX_GET_RESPONSES + " GET RESPONSE commands");
    }

    private static int checkedLength(byte[] response) {
        if (response == null || response.length < 2) {
            throw CommandApdu.tooShortResponse(response == null ? 0 : response.length);
        }
        return response.length;
    }
}
