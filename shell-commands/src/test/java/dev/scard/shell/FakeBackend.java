package dev.scard.shell;

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
import dev.scard.api.CardState;
import dev.scard.api.CardStatus;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.Protocol;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.ShareMode;

/** A backend in memory: readers with or without a card, a resource manager and managers that record calls. */
final class FakeBackend implements SCardResourceManager {

    static final byte[] ATR = HexFormat.of().parseHex("3B8880010102030405060708");

    final String name;
    /** Reader name to whether a card is in. */
    final Map<String, Boolean> readers = new LinkedHashMap<>();
    final Map<Long, CardHandle> handles = new LinkedHashMap<>();
    final List<Manager> managers = new ArrayList<>();
    final List<String> calls = new ArrayList<>();
    Function<byte[], byte[]> card = apdu -> new byte[] {(byte) 0x90, 0x00};
    SCardException listFailure;
    /** When set, listReaders does not return until it is counted down, interrupted or not (an unresponsive pcscd). */
    volatile java.util.concurrent.CountDownLatch listHang;
    private long nextHandle = 1;

    FakeBackend(String name, String... readerNames) {
        this.name = name;
        for (String reader : readerNames) {
            readers.put(reader, true);
        }
    }

    @Override
    public String backend() {
        return name;
    }

    @Override
    public List<ReaderInfo> listReaders() {
        java.util.concurrent.CountDownLatch hang = listHang;
        while (hang != null && hang.getCount() > 0) {
            try {
                hang.await();
            } catch (InterruptedException e) {
                // as a blocked native call: not ended by an interrupt
            }
        }
        if (listFailure != null) {
            throw listFailure;
        }
        List<ReaderInfo> list = new ArrayList<>();
        readers.forEach((reader, present) -> list.add(new ReaderInfo(reader, name,
                present ? CardState.SPECIFIC_MODE : CardState.ABSENT, present ? ATR : null, false)));
        return list;
    }

    @Override
    public CardHandle connect(String readerName) {
        return connect(readerName, ShareMode.SHARED, Protocol.T0_OR_T1);
    }

    @Override
    public CardHandle connect(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
        checkReader(readerName);
        if (!readers.get(readerName)) {
            throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + readerName + "'");
        }
        CardHandle handle = new CardHandle(nextHandle++, name, readerName, shareMode, Protocol.T1);
        handles.put(handle.value(), handle);
        return handle;
    }

    @Override
    public void disconnect(long handle, Disposition disposition) {
        if (handles.remove(handle) == null) {
            throw new SCardException(HResult.E_INVALIDARG, "unknown handle " + handle);
        }
        calls.add("disconnect " + handle + " " + disposition);
    }

    private void checkReader(String readerName) {
        if (!readers.containsKey(readerName)) {
            throw new SCardException(HResult.E_INVALIDARG, "unknown reader '" + readerName + "'");
        }
    }

    /** A new manager, as the prototype-scoped service hands them out. */
    Manager newManager() {
        Manager manager = new Manager();
        managers.add(manager);
        return manager;
    }

    final class Manager implements ISCardManage {
        String reader;
        Long handle;
        boolean locked;

        private void attached() {
            if (reader == null) {
                throw new SCardException(HResult.SCARD_E_INVALID_HANDLE, "not attached");
            }
        }

        @Override
        public void attachByHandle(long value) {
            if (reader != null) {
                throw new SCardException(HResult.E_FAIL, "already attached to '" + reader + "'");
            }
            CardHandle h = handles.get(value);
            if (h == null) {
                throw new SCardException(HResult.E_INVALIDARG, "unknown handle " + value);
            }
            reader = h.readerName();
            handle = value;
        }

        @Override
        public void attachByHandle(CardHandle h) {
            attachByHandle(h.value());
        }

        @Override
        public void attachByIfd(String readerName) {
            attachByIfd(readerName, ShareMode.SHARED);
        }

        @Override
        public void attachByIfd(String readerName, ShareMode shareMode) {
            attachByIfd(readerName, shareMode, Protocol.T0_OR_T1);
        }

        @Override
        public void attachByIfd(String readerName, ShareMode shareMode, Set<Protocol> preferredProtocols) {
            if (reader != null) {
                throw new SCardException(HResult.E_FAIL, "already attached to '" + reader + "'");
            }
            checkReader(readerName);
            calls.add("attach " + readerName + " " + shareMode + " " + preferredProtocols);
            reader = readerName;
        }

        @Override
        public void detach() {
            reader = null;
            handle = null;
            locked = false;
        }

        @Override
        public void reconnect() {
            reconnect(Disposition.LEAVE);
        }

        @Override
        public void reconnect(Disposition initialization) {
            attached();
            if (!readers.get(reader)) {
                throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + reader + "'");
            }
            calls.add("reconnect " + initialization);
        }

        @Override
        public void lock() {
            attached();
            calls.add("lock");
            locked = true;
        }

        @Override
        public void lock(Duration timeout) {
            attached();
            calls.add("lock " + timeout);
            locked = true;
        }

        @Override
        public void unlock() {
            unlock(Disposition.LEAVE);
        }

        @Override
        public void unlock(Disposition disposition) {
            if (!locked) {
                throw new SCardException(HResult.SCARD_E_NOT_TRANSACTED, "no lock held");
            }
            calls.add("unlock " + disposition);
            locked = false;
        }

        @Override
        public CardStatus status() {
            attached();
            boolean present = readers.get(reader);
            return new CardStatus(present ? CardState.SPECIFIC_MODE : CardState.ABSENT,
                    present ? Protocol.T1 : Protocol.UNDEFINED, reader, present ? ATR : null);
        }

        @Override
        public boolean isAttached() {
            return reader != null;
        }

        @Override
        public boolean isLocked() {
            return reader != null && locked;
        }

        @Override
        public byte[] transmit(byte[] commandApdu) {
            attached();
            if (!readers.get(reader)) {
                throw new SCardException(HResult.SCARD_E_NO_SMARTCARD, "no card in reader '" + reader + "'");
            }
            calls.add("transmit " + HexFormat.of().withUpperCase().formatHex(commandApdu));
            return card.apply(commandApdu);
        }

        @Override
        public ISCardFileAccess createFileAccess() {
            return services("ISCardFileAccess");
        }

        @Override
        public ISCardVerify createCHVerification() {
            return services("ISCardVerify");
        }

        @Override
        public ISCardAuth createCardAuth() {
            return services("ISCardAuth");
        }

        /** Unsupported: the card services' tests use the real sample card ({@link CardShell}). */
        private <T> T services(String name) {
            attached();
            calls.add("create " + name);
            throw new UnsupportedOperationException(name + " of a fake backend");
        }

        @Override
        public Object createInterface(UUID interfaceId, String interfaceName, Object userData) {
            throw new UnsupportedOperationException();
        }
    }
}
