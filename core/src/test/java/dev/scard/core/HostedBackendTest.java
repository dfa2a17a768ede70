package dev.scard.core;

import static dev.scard.testsupport.Expect.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ManagedService;

import dev.scard.api.CardHandle;
import dev.scard.api.Disposition;
import dev.scard.api.HResult;
import dev.scard.api.ISCardManage;
import dev.scard.api.SCardException;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/**
 * What the core registers for one backend, over a recording bundle context: the services and their properties, the
 * ranking a configuration sets, handle owners, and what closing releases.
 */
class HostedBackendTest {

    /** One registration made through the fake context. */
    private static final class Registered {
        final String type;
        final Object service;
        Dictionary<String, ?> properties;
        boolean unregistered;

        Registered(String type, Object service, Dictionary<String, ?> properties) {
            this.type = type;
            this.service = service;
            this.properties = properties;
        }
    }

    private final List<Registered> registered = new ArrayList<>();
    private final FakeBackend backend = new FakeBackend();

    private final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                if (!method.getName().equals("registerService")) {
                    throw new UnsupportedOperationException(method.getName());
                }
                String type = args[0] instanceof Class ? ((Class<?>) args[0]).getName() : (String) args[0];
                @SuppressWarnings("unchecked")
                Registered r = new Registered(type, args[1], (Dictionary<String, ?>) args[2]);
                registered.add(r);
                return registration(r);
            });

    private ServiceRegistration<?> registration(Registered r) {
        return (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceRegistration.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "unregister":
                            if (r.unregistered) {
                                throw new IllegalStateException("already unregistered");
                            }
                            r.unregistered = true;
                            return null;
                        case "setProperties":
                            @SuppressWarnings("unchecked")
                            Dictionary<String, ?> properties = (Dictionary<String, ?>) args[0];
                            r.properties = properties;
                            return null;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    /** A bundle whose state the test sets. */
    private static Bundle bundle(String name, int[] state) {
        return (Bundle) Proxy.newProxyInstance(HostedBackendTest.class.getClassLoader(),
                new Class<?>[] {Bundle.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getState":
                            return state[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return name;
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    private List<Registered> live(Class<?> type) {
        return registered.stream().filter(r -> !r.unregistered && r.type.equals(type.getName())).toList();
    }

    private HostedBackend host() {
        return new HostedBackend(context, backend, 100, HandleTable.SIMULATOR_SPACE, new InterfaceProviders(),
                new CardTap());
    }

    @SuppressWarnings("unchecked")
    private ServiceFactory<SCardResourceManager> resourceManagers() {
        return (ServiceFactory<SCardResourceManager>) live(SCardResourceManager.class).get(0).service;
    }

    @SuppressWarnings("unchecked")
    private PrototypeServiceFactory<ISCardManage> managers() {
        return (PrototypeServiceFactory<ISCardManage>) live(ISCardManage.class).get(0).service;
    }

    private void configure(Object ranking) throws Exception {
        Dictionary<String, Object> configuration = new Hashtable<>();
        if (ranking != null) {
            configuration.put(Constants.SERVICE_RANKING, ranking);
        }
        ((ManagedService) live(ManagedService.class).get(0).service).updated(configuration);
    }

    @Test
    void registersAPrototypeManagerABundleScopedResourceManagerAndTheBackendsConfiguration() {
        host();
        assertThat(live(ISCardManage.class)).singleElement().satisfies(r -> {
            assertThat(r.service).isInstanceOf(PrototypeServiceFactory.class);
            assertThat(r.properties.get(SCardServiceProperties.BACKEND)).isEqualTo("fake");
            assertThat(r.properties.get(Constants.SERVICE_RANKING)).isEqualTo(100);
        });
        assertThat(live(SCardResourceManager.class)).singleElement().satisfies(r -> {
            assertThat(r.service).isInstanceOf(ServiceFactory.class).isNotInstanceOf(PrototypeServiceFactory.class);
            assertThat(r.properties.get(SCardServiceProperties.BACKEND)).isEqualTo("fake");
        });
        assertThat(live(ManagedService.class)).singleElement().satisfies(r -> assertThat(
                r.properties.get(Constants.SERVICE_PID)).isEqualTo(SCardServiceProperties.SERVICES_PID_PREFIX + "fake"));
        Bundle a = bundle("A", new int[] {Bundle.ACTIVE});
        assertThat(managers().getService(a, null)).isNotSameAs(managers().getService(a, null));
    }

    @Test
    void aConfiguredRankingIsAppliedInPlaceAndAddsTheDefaultRegistrationsUntilItGoes() throws Exception {
        HostedBackend host = host();
        Registered own = live(ISCardManage.class).get(0);
        configure(1000);
        assertThat(own.properties.get(Constants.SERVICE_RANKING)).as("in place").isEqualTo(1000);
        assertThat(live(ISCardManage.class)).hasSize(2).anySatisfy(r -> {
            assertThat(r.properties.get(SCardServiceProperties.DEFAULT)).isEqualTo("fake");
            assertThat(r.properties.get(Constants.SERVICE_RANKING)).isEqualTo(1001);
            assertThat(r.service).as("the same factory").isSameAs(own.service);
        });
        host.backendRankingChanged(7);
        assertThat(own.properties.get(Constants.SERVICE_RANKING)).as("the configuration wins").isEqualTo(1000);
        configure(null); // a configuration without a ranking
        assertThat(own.properties.get(Constants.SERVICE_RANKING)).isEqualTo(7);
        assertThat(live(ISCardManage.class)).containsExactly(own);
        ((ManagedService) live(ManagedService.class).get(0).service).updated(null); // deleted
        assertThat(live(ISCardManage.class)).containsExactly(own);
    }

    @Test
    void aHandleBelongsToTheBundleThatOpenedItAndClosesWhenThatBundleGoes() {
        host();
        int[] stateOfA = {Bundle.ACTIVE};
        Bundle a = bundle("A", stateOfA);
        Bundle b = bundle("B", new int[] {Bundle.ACTIVE});
        SCardResourceManager resourceManagerOfA = resourceManagers().getService(a, null);
        SCardResourceManager resourceManagerOfB = resourceManagers().getService(b, null);
        ISCardManage managerOfA = managers().getService(a, null);
        ISCardManage managerOfB = managers().getService(b, null);
        CardHandle handle = resourceManagerOfA.connect("R");

        assertThatThrownBy(() -> managerOfB.attachByHandle(handle.value())).as("the same error as an unknown handle")
                .isInstanceOf(SCardException.class).hasMessage("handle " + handle.value()
                        + " is not an open handle of the 'fake' resource manager [E_INVALIDARG 0x80070057]");
        assertThat(code(() -> resourceManagerOfB.disconnect(handle.value(), Disposition.LEAVE)))
                .isEqualTo(HResult.E_INVALIDARG);
        assertThat(backend.connections).as("B closed nothing").singleElement()
                .satisfies(c -> assertThat(c.closed).isFalse());

        managerOfA.attachByHandle(handle);
        assertThat(managerOfA.transmit(new byte[] {0, (byte) 0xA4, 0, 0x0C})).containsExactly(0x90, 0x00);
        managerOfA.detach();

        resourceManagers().ungetService(a, null, resourceManagerOfA); // released, A still active: the handle stays
        assertThat(backend.connections.get(0).closed).isFalse();
        managerOfA.attachByHandle(handle.value());
        managerOfA.detach();

        stateOfA[0] = Bundle.STOPPING;
        resourceManagers().ungetService(a, null, resourceManagers().getService(a, null)); // A stops
        assertThat(backend.connections.get(0).closed).isTrue();
        assertThat(code(() -> managerOfA.attachByHandle(handle.value()))).isEqualTo(HResult.E_INVALIDARG);
    }

    @Test
    void releasingAManagerDisposesItAndClosingDisposesTheRestAndClosesEveryHandle() {
        HostedBackend host = host();
        Bundle a = bundle("A", new int[] {Bundle.ACTIVE});
        ISCardManage released = managers().getService(a, null);
        ISCardManage kept = managers().getService(a, null);
        released.attachByIfd("R");
        kept.attachByIfd("R");
        kept.lock();
        CardHandle handle = resourceManagers().getService(a, null).connect("R");
        managers().ungetService(a, null, released);
        assertThat(code(released::status)).isEqualTo(HResult.SCARD_E_SERVICE_STOPPED);
        assertThat(backend.connections.get(0).closed).as("its connection").isTrue();

        host.close();
        assertThat(registered).allSatisfy(r -> assertThat(r.unregistered).as(r.type).isTrue());
        assertThatThrownBy(kept::status).isInstanceOf(SCardException.class)
                .hasMessageContaining("the fake backend stopped");
        assertThat(backend.connections).allSatisfy(c -> assertThat(c.closed).isTrue());
        assertThat(backend.connections.get(1).inTransaction).as("the lock was released").isFalse();
        assertThat(handle.value()).isNotZero();
        host.close(); // idempotent
    }
}
