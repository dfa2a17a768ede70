package dev.scard.simulator.control;

import java.nio.file.Path;
import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

import dev.scard.api.HResult;
import dev.scard.api.SCardException;

/**
 * Controls the simulated readers, registered by the simulator backend as a service. Reader names are the
 * ones {@code SCardResourceManager.listReaders()} shows. Unknown readers fail with
 * {@code SCardException(E_INVALIDARG)} naming the reader.
 *
 * <p><b>Serving cards to PC/SC.</b> {@link #serve} makes a simulated reader's card a card in a real PC/SC daemon
 * (pcsc-lite's {@code pcscd} with the vsmartcard {@code vpcd} driver): while the reader holds a card, the simulator
 * connects to vpcd as its card, and PC/SC applications (and the PC/SC backend) see the card in vpcd's reader
 * ({@code "Virtual PCD 00 00"} for port {@value #VPCD_PORT}, {@code "Virtual PCD 00 01"} for 35964). It is the same
 * card as in the simulated reader:
 * <ul>
 * <li>Removing the card (also with the {@code EJECT} disposition) closes the connection, so pcscd sees the card
 * removed; inserting a card connects again. When vpcd is not there (pcscd stopped or restarting) or the connection
 * breaks, the simulator retries with a growing pause (0.1 s up to 2 s) until the reader is no longer served; it
 * logs changes, not every attempt.</li>
 * <li>Commands from vpcd reach the card model like an in-process command. An in-process connection that holds the
 * card's transaction ({@code lock}) or holds the card exclusively makes them wait until it ends, as a PC/SC
 * transaction makes other applications wait. The other direction is invisible to the simulator: the vpcd protocol
 * does not carry pcscd's transactions, so in-process connections are not kept out of them. The link is not a
 * connection of the simulator: it never causes {@code SCARD_E_SHARING_VIOLATION} in-process.</li>
 * <li>vpcd's power-on and reset reset the card as {@link #reset(String)} does (in-process connections see
 * {@code SCARD_W_RESET_CARD}, {@code CARD_RESET} goes out), except while it has processed no command since its last
 * power-up: pcscd powers an idle card off and on whenever an application connects, and such a reset would change
 * nothing. Power-off does nothing (a card model has no power-off; its next power-on resets it).</li>
 * <li>Input from the socket that breaks the protocol (a length of 0, a message cut short, an unknown control code)
 * drops the connection, which is then made again; the card is not touched.</li>
 * </ul>
 */
@ProviderType
public interface SimulatorControl {

    /** vpcd's default port: its first slot, the PC/SC reader {@code "Virtual PCD 00 00"}; the second is 35964. */
    int VPCD_PORT = 35963;

    /** Where vpcd listens by default: this machine. */
    String VPCD_HOST = "127.0.0.1";

    /** The simulated readers' names, in order. */
    List<String> readers();

    /** Whether a card is in the reader. */
    boolean isCardPresent(String readerName);

    /**
     * Inserts the reader's card: the card last removed from this reader (with its state, as a real card keeps
     * it), or a fresh default card if the reader never had one. Inserting into a reader that holds a card fails
     * with {@code E_FAIL}. Insertion powers the card up ({@link SimulatedCard#reset()}).
     */
    void insert(String readerName);

    /**
     * Inserts a card model into a reader, replacing the reader's remembered card. Fails with {@code E_FAIL}
     * when the reader already holds a card, and with {@code E_INVALIDARG} for a null card, a model that is in
     * another reader, or one that throws on power-up or reports an ATR of other than 2 to 33 bytes or a protocol
     * other than T0 or T1 (the reader then stays empty), and with {@code SCARD_E_TIMEOUT} when it does not power up
     * within the simulator's call timeout. A model other than the simulator's built-in ones runs on the reader's card
     * thread (see {@link SimulatedCard}).
     */
    void insert(String readerName, SimulatedCard card);

    /**
     * Inserts a fresh card made from a card profile file (the JSON format of the simulator's sample profile
     * {@code sample-card.json}: ATR, protocol, file tree with contents, PINs and keys), replacing the reader's
     * remembered card as {@link #insert(String, SimulatedCard)} does. The file is read and parsed on every call, so
     * each call brings a card in its initial state. Insertion powers the card up. A file that is a trace (JSON whose
     * top-level object has a {@code format} field, or an OpenSC, apdu4j or pcscd log) is replayed as
     * {@link #insertTrace insertTrace} does with {@link ReplayMatch#ORDER} and the default status word.
     *
     * @param readerName the simulated reader
     * @param profile the profile file; a relative path is resolved against the working directory
     * @throws SCardException {@link HResult#E_INVALIDARG} for an unknown reader, a null path, or a file that cannot
     *         be read or is not a valid profile (the message names the file and what is wrong with it, such as the
     *         parse error with its line); {@link HResult#E_FAIL} when the reader already holds a card (the file is
     *         checked first); {@link HResult#SCARD_E_SERVICE_STOPPED} after the simulator stopped
     */
    void insertProfile(String readerName, Path profile);

    /** The status word a replayed trace answers to a command it cannot answer by default: {@code 6D00}. */
    int DEFAULT_UNANSWERED_STATUS_WORD = 0x6D00;

    /**
     * Inserts a card that replays a trace: it answers with the recorded ATR and protocol and the recorded responses,
     * matched as {@code match} says; {@link #replays()} tells how far the replay got. The trace may be a
     * {@code scard-trace/1} JSON file (what {@code scard:record} writes), an OpenSC debug log, an apdu4j /
     * GlobalPlatformPro log or a pcscd {@code --apdu} log (imported as it is read; see {@code docs/traces.md}). The
     * file is read and checked on every call, so each call brings a replay from the start; insertion replaces the
     * reader's remembered card as {@link #insert(String, SimulatedCard)} does. {@link #insertProfile} inserts a trace
     * too, with {@link ReplayMatch#ORDER} and {@link #DEFAULT_UNANSWERED_STATUS_WORD}.
     *
     * @param readerName the simulated reader
     * @param trace the trace file; a relative path is resolved against the working directory
     * @param match how commands find their responses
     * @param unansweredStatusWord the status word for a command the trace cannot answer, {@code 0x0000}..{@code 0xFFFF}
     * @throws SCardException {@link HResult#E_INVALIDARG} for an unknown reader, a null argument, a status word out
     *         of range, or a file that cannot be read or is not a valid trace (the message names the file and the JSON
     *         path or line of the problem; the reader is left as it was); {@link HResult#E_FAIL} when the reader
     *         already holds a card (the file is checked first); {@link HResult#SCARD_E_SERVICE_STOPPED} after the
     *         simulator stopped
     * @since 1.2
     */
    void insertTrace(String readerName, Path trace, ReplayMatch match, int unansweredStatusWord);

    /**
     * The replays: one for each simulated reader whose card (in the reader, or the one it would insert again) replays
     * a trace, in the order of {@link #readers()}.
     *
     * @since 1.2
     */
    List<ReplayStatus> replays();

    /**
     * Removes the card: every connection to it fails with {@code SCARD_W_REMOVED_CARD} until reconnected after
     * a new insertion, and a transaction on it ends (threads waiting for it wake and fail). Removing from an
     * empty reader fails with {@code SCARD_E_NO_SMARTCARD}.
     */
    void remove(String readerName);

    /**
     * Resets the card (as another application would): connections fail with {@code SCARD_W_RESET_CARD} until
     * they reconnect, and a transaction on the card ends. Fails with {@code SCARD_E_NO_SMARTCARD} for an empty
     * reader.
     */
    void reset(String readerName);

    /**
     * Serves the reader's card to vpcd at {@code host:port} (see the class comment): from now on, whenever the reader
     * holds a card, the simulator keeps a connection to vpcd as that card. Serving a reader that is already served
     * at the same address changes nothing; at another address, the old connection is closed first. Returns at once;
     * {@link #served()} tells how far the connection got.
     *
     * @param host where vpcd listens (a host name or an IP address, such as {@value #VPCD_HOST})
     * @param port vpcd's port for the slot, 1 to 65535 ({@value #VPCD_PORT} is vpcd's first slot)
     * @throws SCardException {@link HResult#E_INVALIDARG} for an unknown reader, a blank or malformed host, a port
     *         out of range, or an address another simulated reader is already served to (vpcd takes one card per
     *         port); {@link HResult#SCARD_E_SERVICE_STOPPED} after the simulator stopped
     */
    void serve(String readerName, String host, int port);

    /**
     * Stops serving the reader's card to vpcd: the connection is closed (pcscd sees the card removed) before this
     * returns. The card stays in the simulated reader.
     *
     * @return false when the reader was not served
     * @throws SCardException {@link HResult#E_INVALIDARG} for an unknown reader
     */
    boolean unserve(String readerName);

    /**
     * The served readers, in the order of {@link #readers()}, each with its address and how far its connection
     * got. A reader removed from the simulator is no longer served.
     */
    List<ServedReader> served();
}
