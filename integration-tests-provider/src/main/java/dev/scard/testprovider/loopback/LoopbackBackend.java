package dev.scard.testprovider.loopback;

import java.util.List;
import java.util.Set;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

import dev.scard.api.HResult;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.SCardServiceProperties;
import dev.scard.api.ShareMode;
import dev.scard.core.spi.Arguments;
import dev.scard.core.spi.Backend;
import dev.scard.core.spi.EventChannel;
import dev.scard.core.spi.EventChannels;
import dev.scard.core.spi.ReaderConnection;

/**
 * A backend for tests, and the example of docs/adding-a-backend.md: two in-memory readers, {@value #READER_0} with
 * the built-in card ({@link LoopbackCard#simple()}) and {@value #READER_1} empty, with PC/SC sharing semantics
 * ({@link LoopbackReader}). It registers as the {@link Backend} service {@code scard.backend=loopback} with ranking
 * 10 (below the simulator's 100 and PC/SC's 50, so it never becomes the default), for which the core registers
 * {@code ISCardManage} and {@code SCardResourceManager}; and as itself, so that tests insert, remove and reset cards.
 * It exists only while a configuration with PID {@value #PID} does, so other tests see no third backend.
 */
@Component(service = {Backend.class, LoopbackBackend.class}, configurationPid = LoopbackBackend.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = {SCardServiceProperties.BACKEND + "=" + LoopbackBackend.NAME, "service.ranking:Integer=10"})
public final class LoopbackBackend implements Backend {

    /** The backend's name. */
    public static final String NAME = "loopback";
    /** The configuration that switches the backend on. */
    public static final String PID = "dev.scard.testprovider.loopback";
    /** The reader that starts with a card. */
    public static final String READER_0 = "Loopback Reader 0";
    /** The reader that starts empty. */
    public static final String READER_1 = "Loopback Reader 1";

    @Reference
    private EventChannels eventChannels;
    private EventChannel events;
    private volatile List<LoopbackReader> readers = List.of();

    /** DS creates it. */
    public LoopbackBackend() {
    }

    /** Opens the event channel, then makes the readers (READER_ADDED) and inserts the built-in card. */
    @Activate
    void activate() {
        events = eventChannels.open(NAME);
        readers = List.of(new LoopbackReader(READER_0, events), new LoopbackReader(READER_1, events));
        readers.get(0).insert(LoopbackCard.simple());
    }

    /** Closes every connection, says the readers are gone (READER_REMOVED) and closes the channel. */
    @Deactivate
    void deactivate() {
        readers.forEach(LoopbackReader::stop);
        events.close();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<ReaderInfo> listReaders() {
        return readers.stream().map(LoopbackReader::info).toList();
    }

    @Override
    public ReaderInfo readerInfo(String readerName) {
        return reader(readerName).info();
    }

    @Override
    public ReaderConnection connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        LoopbackReader reader = reader(readerName);
        return reader.connect(Arguments.require(shareMode, "share mode"), Arguments.requireProtocols(preferredProtocols));
    }

    private LoopbackReader reader(String readerName) {
        Arguments.requireReaderName(readerName);
        return readers.stream().filter(reader -> reader.name().equals(readerName)).findFirst().orElseThrow(
                () -> new SCardException(HResult.SCARD_E_UNKNOWN_READER, "no loopback reader '" + readerName + "'"));
    }

    // ---------------------------------------------------------------- control, for tests

    /** Inserts {@code card} into an empty reader ({@code CARD_INSERTED}); {@code E_FAIL} if it holds one. */
    public void insert(String readerName, LoopbackCard card) {
        reader(readerName).insert(card);
    }

    /** Takes the card out ({@code CARD_REMOVED}); {@code SCARD_E_NO_SMARTCARD} if there is none. */
    public void remove(String readerName) {
        reader(readerName).remove();
    }

    /** Resets the card as another application would ({@code CARD_RESET}); {@code SCARD_E_NO_SMARTCARD} if none. */
    public void reset(String readerName) {
        reader(readerName).reset();
    }

    /** The card in the reader, or null. */
    public LoopbackCard card(String readerName) {
        return reader(readerName).card();
    }
}
