package dev.scard.pcsc.internal;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.Bundle;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ServiceScope;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardInterfaceFactory;
import dev.scard.api.SCardServiceProperties;
import dev.scard.core.CardManager;
import dev.scard.core.DefaultRegistration;

/**
 * The PC/SC backend's {@link ISCardManage}, registered with prototype scope: every {@code getService} is a fresh
 * {@link CardManager} over the PC/SC readers (one instance = one attachment), and releasing it or stopping the
 * backend disposes it: it detaches, releases its lock and connection, and fails later calls with
 * {@code SCARD_E_SERVICE_STOPPED}.
 */
@Component(configurationPid = PcscDefaultServices.PID,
        scope = ServiceScope.PROTOTYPE, service = ISCardManage.class,
        property = {SCardServiceProperties.BACKEND + "=" + SCardServiceProperties.BACKEND_PCSC,
                "service.ranking:Integer=50"})
public final class PcscCardManager extends CardManager implements DefaultRegistration.OwnedManager {

    private final PcscComponent owner;
    /** Whose handles {@code attachByHandle} accepts: the bundle that got this manager; null: every handle (tests). */
    private final AtomicReference<Object> handleOwner;

    /**
     * A manager over the backend of {@code owner} that accepts the handles the bundle that got it opened (see
     * {@link dev.scard.core.HandleTable}).
     */
    @Activate
    public PcscCardManager(@Reference PcscComponent owner, ComponentContext context) {
        this(owner, new AtomicReference<>(context.getUsingBundle()));
    }

    /** A manager that accepts the handles of {@code handleOwner} (tests: one per owner, as DS makes them). */
    PcscCardManager(PcscComponent owner, AtomicReference<Object> handleOwner) {
        super(owner.backend(), owner.handles().scopedTo(handleOwner::get));
        this.owner = owner;
        this.handleOwner = handleOwner;
    }

    /** A manager over the backend of {@code owner} that accepts every handle of it, whoever opened it (tests). */
    PcscCardManager(PcscComponent owner) {
        super(owner.backend(), owner.handles());
        this.owner = owner;
        this.handleOwner = null;
    }

    /** {@inheritDoc} (The default registration got this manager through the PC/SC bundle's own context.) */
    @Override
    public void ownedBy(Bundle consumer) {
        if (handleOwner != null) {
            handleOwner.set(consumer);
        }
    }

    /**
     * Offers an {@link SCardInterfaceFactory} service, with its properties, to this manager's {@code create*}
     * methods (docs/decisions.md, "Extension"); also called when its properties change.
     */
    @Reference(name = "interfaceFactory", cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removeInterfaceFactory", updated = "addInterfaceFactory")
    void addInterfaceFactory(SCardInterfaceFactory factory, Map<String, Object> properties) {
        bindInterfaceFactory(factory, properties);
    }

    /** Withdraws an {@link SCardInterfaceFactory} service that went away. */
    void removeInterfaceFactory(SCardInterfaceFactory factory, Map<String, Object> properties) {
        unbindInterfaceFactory(factory, properties);
    }

    /**
     * Detaches and releases everything; later calls fail with {@code SCARD_E_SERVICE_STOPPED}. When the bundle
     * stops, the whole backend stops first, so no waiting thread takes a lock another manager's release frees.
     */
    @Deactivate
    void deactivate() {
        owner.stopIfBundleStopping();
        dispose("the ISCardManage service instance was released or the PC/SC backend stopped");
    }

    /**
     * Applies a changed configuration ({@value PcscDefaultServices#PID}: the {@code service.ranking} that
     * {@code scard:use} writes) in place: SCR puts the new properties on the service registration without
     * re-activating the component, so the managers in use survive. Consumers with greedy references do not rebind on
     * such a change; {@link PcscDefaultServices} registers the services that make them.
     */
    @Modified
    void modified() {
        // Nothing to do here: SCR itself puts the new properties on the service registration.
    }
}
