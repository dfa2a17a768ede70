package dev.scard.itest.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For a test class that uses the simulated readers in-process only ({@code @ExtendWith(OffVpcd.class)}): takes them
 * off vpcd before its first test and serves them again after its last ({@link VpcdRig#unserveForInProcessTests},
 * {@link VpcdRig#serveAgain}), so that pcscd's own late power cycle of a served card, left over from an earlier PC/SC
 * test class, never lands in the middle of this class's tests as "reset by someone else".
 */
public final class OffVpcd implements BeforeAllCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(OffVpcd.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        context.getStore(NAMESPACE).put("served", VpcdRig.unserveForInProcessTests());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (Boolean.TRUE.equals(context.getStore(NAMESPACE).get("served", Boolean.class))) {
            VpcdRig.serveAgain();
        }
    }
}
