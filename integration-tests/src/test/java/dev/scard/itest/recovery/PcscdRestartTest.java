package dev.scard.itest.recovery;

import static dev.scard.itest.support.Apdus.assertSuccess;
import static dev.scard.itest.support.Apdus.selectMfNoData;
import static dev.scard.testsupport.Expect.failureWithOneOf;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;

import dev.scard.api.CardState;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.itest.support.VpcdRig;
import dev.scard.simulator.control.SimulatorControl;

/**
 * pcscd restarted under an open attachment, in the framework: while pcscd is away the attachment's calls and the
 * PC/SC resource manager fail with {@code SCARD_E_NO_SERVICE} / {@code SCARD_E_SERVICE_STOPPED}; once it is back (and
 * the simulator's vpcd link has found the new pcscd) {@code reconnect()} and a new attachment work and APDUs are
 * answered, with nothing restarted in the framework. Needs a pcscd the tests may restart
 * ({@code SCARD_PCSCD_RESTARTABLE=true}, as {@code .ci/run} sets for its private pcscd); skipped otherwise, failed
 * under {@code CI=true}.
 */
public class PcscdRestartTest extends OsgiTestSupport {

    private static final String WHAT = "the pcscd restart test";

    @Test
    void anOpenAttachmentFailsWhilePcscdIsAwayAndWorksAfterReconnectOncePcscdIsBack() throws Exception {
        VpcdRig.require(WHAT);
        VpcdRig.requireRestartable(WHAT);
        SimulatorControl control = awaitService(SimulatorControl.class, null);
        SCardResourceManager pcsc = awaitService(SCardResourceManager.class, "(scard.backend=pcsc)");
        onCleanup(() -> {
            if (VpcdRig.missing() != null) { // the test failed while pcscd was away
                VpcdRig.startPcscd();
            }
            VpcdRig.settle(control, pcsc);
        });
        VpcdRig.requireServing(WHAT, control, pcsc);
        ServiceReference<ISCardManage> reference = awaitReference(ISCardManage.class, "(scard.backend=pcsc)");
        long rmServiceId = serviceId(awaitReference(SCardResourceManager.class, "(scard.backend=pcsc)"));
        ServiceObjects<ISCardManage> objects = context.getServiceObjects(reference);
        ISCardManage manager = objects.getService();
        onCleanup(() -> objects.ungetService(manager));
        manager.attachByIfd(VpcdRig.CARD_READER);
        assertSuccess(manager.transmit(selectMfNoData()));

        VpcdRig.stopPcscd();
        failureWithOneOf(() -> manager.transmit(selectMfNoData()), HResult.SCARD_E_NO_SERVICE,
                HResult.SCARD_E_SERVICE_STOPPED);
        failureWithOneOf(manager::status, HResult.SCARD_E_NO_SERVICE, HResult.SCARD_E_SERVICE_STOPPED);
        failureWithOneOf(manager::reconnect, HResult.SCARD_E_NO_SERVICE, HResult.SCARD_E_SERVICE_STOPPED);
        failureWithOneOf(pcsc::listReaders, HResult.SCARD_E_NO_SERVICE, HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(manager.isAttached()).as("the attachment stays, to be reconnected").isTrue();

        VpcdRig.startPcscd();
        assertThat(VpcdRig.serve(control, pcsc)).as("the simulator's vpcd link found the new pcscd").isTrue();
        manager.reconnect();
        assertSuccess(manager.transmit(selectMfNoData()));
        assertThat(manager.status().state()).isEqualTo(CardState.SPECIFIC_MODE);
        assertThat(manager.status().readerName()).isEqualTo(VpcdRig.CARD_READER);

        ISCardManage fresh = objects.getService();
        onCleanup(() -> objects.ungetService(fresh));
        fresh.attachByIfd(VpcdRig.CARD_READER);
        assertSuccess(fresh.transmit(selectMfNoData()));
        fresh.detach();
        manager.detach();
        assertThat(serviceId(awaitReference(ISCardManage.class, "(scard.backend=pcsc)")))
                .as("the PC/SC backend's services were not re-registered").isEqualTo(serviceId(reference));
        assertThat(serviceId(awaitReference(SCardResourceManager.class, "(scard.backend=pcsc)")))
                .isEqualTo(rmServiceId);
        assertThat(bundle("dev.scard.impl-pcsc").getState()).isEqualTo(Bundle.ACTIVE);
    }

    private static long serviceId(ServiceReference<?> reference) {
        return (Long) reference.getProperty(Constants.SERVICE_ID);
    }
}
