package dev.scard.cardservices.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import dev.scard.api.CardHandle;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.Protocol;
import dev.scard.api.SCardException;
import dev.scard.api.ShareMode;

/**
 * A scripted {@link ISCardManage} view for unit tests: answers commands from a table (hex command to hex response),
 * falling back to a function, records what was sent, and can be "detached" like an ended attachment.
 */
final class ScriptedManager implements ISCardManage {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    final List<String> sent = new ArrayList<>();
    /** The command arrays themselves, as handed to {@link #transmit}: what a service left in them afterwards. */
    final List<byte[]> arrays = new ArrayList<>();
    final List<String> calls = new ArrayList<>();
    private final Map<String, String> answers = new LinkedHashMap<>();
    /** Answers commands the table does not have; default 6D00. */
    Function<String, String> otherwise = command -> "6D00";
    boolean attached = true;
    /** What the view answers when a card service asks whether the manager holds the lock. */
    boolean locked;

    @Override
    public boolean isLocked() {
        return locked;
    }

    /**
     * Has the card services learn now what they learn before the first code presented over an attachment, whether
     * the card has a PKCS#15 application with PIN lengths ({@link CardChannel#pinLimits()}: this one has none, as long
     * as the table does not answer its SELECT), and forgets that command, so that a test sees only what it is about.
     */
    ScriptedManager withoutPkcs15() {
        assertNoPkcs15(new CardChannel(this).pinLimits());
        sent.clear();
        arrays.clear();
        return this;
    }

    private static void assertNoPkcs15(Map<Integer, Integer> limits) {
        if (!limits.isEmpty()) {
            throw new AssertionError("the scripted card answered the PKCS#15 application's SELECT: " + limits);
        }
    }

    /** Answers {@code command} (hex, spaces allowed) with {@code response}. */
    ScriptedManager on(String command, String response) {
        answers.put(strip(command), strip(response));
        return this;
    }

    static String strip(String hex) {
        return hex.replace(" ", "").toUpperCase();
    }

    private SCardException ended() {
        return new SCardException(HResult.SCARD_E_INVALID_HANDLE, "the attachment this interface was created from has ended");
    }

    @Override
    public byte[] transmit(byte[] commandApdu) {
        if (!attached) {
            throw ended();
        }
        arrays.add(commandApdu);
        String command = HEX.formatHex(commandApdu);
        sent.add(command);
        String answer = answers.get(command);
        if (answer == null) {
            answer = otherwise.apply(command);
        }
        return HEX.parseHex(strip(answer));
    }

    @Override
    public boolean isAttached() {
        return attached;
    }

    @Override
    public void reconnect(Disposition initialization) {
        if (!attached) {
            throw ended();
        }
        calls.add("reconnect " + initialization);
    }

    @Override
    public void reconnect() {
        reconnect(Disposition.LEAVE);
    }

    @Override
    public void attachByHandle(long handle) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void attachByHandle(CardHandle handle) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void attachByIfd(String readerName) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void attachByIfd(String readerName, ShareMode shareMode) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void attachByIfd(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void detach() {
    }

    @Override
    public void lock() {
        calls.add("lock");
    }

    @Override
    public void lock(Duration timeout) {
        calls.add("lock " + timeout);
    }

    @Override
    public void unlock() {
        calls.add("unlock");
    }

    @Override
    public void unlock(Disposition disposition) {
        calls.add("unlock " + disposition);
    }

    /** The ATR {@link #status()} reports (upper-case hex): the card model's name for what card services learn. */
    String atr = "3B00";

    @Override
    public CardStatus status() {
        return new CardStatus(dev.scard.api.CardState.SPECIFIC_MODE, dev.scard.api.Protocol.T1, "Scripted Reader",
                HEX.parseHex(atr));
    }

    @Override
    public ISCardFileAccess createFileAccess() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ISCardVerify createCHVerification() {
        throw new UnsupportedOperationException();
    }

    @Override
    public ISCardAuth createCardAuth() {
        throw new UnsupportedOperationException();
    }

    @Override
    public Object createInterface(UUID interfaceId, String name, Object userData) {
        throw new UnsupportedOperationException();
    }
}
