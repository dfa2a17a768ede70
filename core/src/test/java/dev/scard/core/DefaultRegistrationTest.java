package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.PrototypeServiceFactory;
import org.osgi.framework.ServiceFactory;
import org.osgi.framework.ServiceRegistration;

import dev.scard.api.ISCardManage;
import dev.scard.api.SCardResourceManager;
import dev.scard.api.SCardServiceProperties;

/** The default registrations over a recording bundle context. */
class DefaultRegistrationTest {

    /** One registration made through the fake context. */
    private static final class Registered {
        final String type;
        final Object service;
        final Dictionary<String, ?> properties;
        boolean unregistered;

        Registered(String type, Object service, Dictionary<String, ?> properties) {
            this.type = type;
            this.service = service;
            this.properties = properties;
        }
    }

    private final List<Registered> registered = new ArrayList<>();
    private final List<String> log = new ArrayList<>();
    private final ServiceFactory<SCardResourceManager> resourceManagers = new ServiceFactory<>() {
        @Override
        public SCardResourceManager getService(Bundle bundle, ServiceRegistration<SCardResourceManager> r) {
            return proxy(SCardResourceManager.class);
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<SCardResourceManager> r, SCardResourceManager s) {
        }
    };
    private final PrototypeServiceFactory<ISCardManage> managers = new PrototypeServiceFactory<>() {
        @Override
        public ISCardManage getService(Bundle bundle, ServiceRegistration<ISCardManage> r) {
            return proxy(ISCardManage.class);
        }

        @Override
        public void ungetService(Bundle bundle, ServiceRegistration<ISCardManage> r, ISCardManage s) {
        }
    };

    private final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "registerService":
                        String type = args[0] instanceof Class ? ((Class<?>) args[0]).getName() : (String) args[0];
                        @SuppressWarnings("unchecked")
                        Registered r = new Registered(type, args[1], (Dictionary<String, ?>) args[2]);
                        registered.add(r);
                        log.add("register " + simple(type) + " " + r.properties.get(Constants.SERVICE_RANKING));
                        return registration(r);
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });

    private ServiceRegistration<?> registration(Registered r) {
        return (ServiceRegistration<?>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServiceRegistration.class}, (proxy, method, args) -> {
                    if (method.getName().equals("unregister")) {
                        if (r.unregistered) {
                            throw new IllegalStateException("already unregistered");
                        }
                        r.unregistered = true;
                        log.add("unregister " + simple(r.type) + " " + r.properties.get(Constants.SERVICE_RANKING));
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static String simple(String type) {
        return type.substring(type.lastIndexOf('.') + 1);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type) {
        return (T) Proxy.newProxyInstance(DefaultRegistrationTest.class.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return type.getSimpleName();
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }

    private DefaultRegistration create(Map<String, ?> configuration) {
        return new DefaultRegistration(context, "pcsc", resourceManagers, managers, configuration);
    }

    private List<Registered> live() {
        return registered.stream().filter(r -> !r.unregistered).toList();
    }

    @Test
    void aConfiguredRankingRegistersBothServicesOneAboveMarkedAndWithoutBackend() {
        DefaultRegistration registration = create(Map.of(Constants.SERVICE_RANKING, 1000));
        assertThat(registration.ranking()).isEqualTo(1000);
        assertThat(log).containsExactly("register ISCardManage 1001", "register SCardResourceManager 1001");
        for (Registered r : live()) {
            assertThat(r.properties.get(dev.scard.api.SCardServiceProperties.DEFAULT)).isEqualTo("pcsc");
            assertThat(r.properties.get(SCardServiceProperties.BACKEND)).isNull();
            assertThat(r.properties.get(Constants.SERVICE_RANKING)).isInstanceOf(Integer.class);
        }
        assertThat(live().get(0).service).as("the backend's own prototype factory: a fresh manager per getService")
                .isSameAs(managers);
        assertThat(live().get(1).service).as("the backend's own bundle-scoped factory: an object per bundle")
                .isSameAs(resourceManagers);
    }

    @Test
    void noRankingNoRegistration() {
        DefaultRegistration registration = create(Map.of("other", "x"));
        assertThat(registration.ranking()).isNull();
        assertThat(registered).isEmpty();
        create(null);
        assertThat(registered).isEmpty();
    }

    @Test
    void anUnchangedRankingChangesNothingAndANewOneRegistersAnewBeforeUnregistering() {
        DefaultRegistration registration = create(Map.of(Constants.SERVICE_RANKING, 1000));
        registration.update(Map.of(Constants.SERVICE_RANKING, 1000));
        registration.update(Map.of(Constants.SERVICE_RANKING, "1000"));
        assertThat(log).hasSize(2);
        log.clear();
        registration.update(Map.of(Constants.SERVICE_RANKING, 2000L));
        assertThat(log).containsExactly("register ISCardManage 2001", "register SCardResourceManager 2001",
                "unregister ISCardManage 1001", "unregister SCardResourceManager 1001");
        assertThat(live()).hasSize(2);
    }

    @Test
    void aRemovedOrUnreadableRankingUnregisters() {
        DefaultRegistration registration = create(Map.of(Constants.SERVICE_RANKING, 1000));
        registration.update(Map.of(Constants.SERVICE_RANKING, "high"));
        assertThat(live()).isEmpty();
        assertThat(registration.ranking()).isNull();
        registration.update(Map.of(Constants.SERVICE_RANKING, " 300 "));
        assertThat(live()).extracting(r -> (Object) r.properties.get(Constants.SERVICE_RANKING))
                .containsOnly((Object) 301);
        registration.update(Map.of());
        assertThat(live()).isEmpty();
    }

    @Test
    void theRankingSaturatesAtTheIntegerRange() {
        assertThat(DefaultRegistration.ranking(Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
        assertThat(DefaultRegistration.ranking(Long.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
        assertThat(DefaultRegistration.ranking(Long.MIN_VALUE)).isEqualTo(Integer.MIN_VALUE);
        create(Map.of(Constants.SERVICE_RANKING, Integer.MAX_VALUE));
        assertThat(live()).extracting(r -> (Object) r.properties.get(Constants.SERVICE_RANKING))
                .containsOnly((Object) Integer.MAX_VALUE);
    }

    @Test
    void closeUnregistersOnceAndToleratesWhatTheFrameworkUnregisteredAlready() {
        DefaultRegistration registration = create(Map.of(Constants.SERVICE_RANKING, 1000));
        live().get(0).unregistered = true; // as when the bundle stops
        registration.close();
        assertThat(live()).isEmpty();
        assertThat(registration.ranking()).isNull();
        registration.close();
    }
}
