package dev.scard.remote.host.internal;

import java.util.List;

import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardException;

/**
 * The host machine's readers as the host serves them: one backend's public services ({@code SCardResourceManager}
 * and prototype-scoped {@code ISCardManage}). The component finds them in the service registry; tests give their own.
 */
interface LocalCards {

    /**
     * The readers of the served backend now.
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SERVICE} when the backend is not there
     */
    List<ReaderInfo> listReaders();

    /**
     * A fresh, unattached manager of the served backend, and how to give it back.
     *
     * @throws SCardException {@link HResult#SCARD_E_NO_SERVICE} when the backend is not there
     */
    Manager newManager();

    /**
     * A manager and what gives it back ({@code ServiceObjects.ungetService}): called once, after the manager was
     * detached.
     */
    record Manager(ISCardManage manage, Runnable release) {
    }
}
