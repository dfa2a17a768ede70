package dev.scard.remote.host.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.ref.WeakReference;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import dev.scard.testsupport.Await;

/**
 * The component against a bundle context that registers nothing: what it keeps of its configuration while it runs.
 */
class RemoteHostComponentTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    private final RemoteHostComponent component = new RemoteHostComponent();
    /** What the component registered (the host and the event listener). */
    private final List<Object> registered = new ArrayList<>();

    @AfterEach
    void tearDown() {
        component.deactivate();
    }

    @Test
    void theRunningHostKeepsNoReferenceToItsConfigurationAndItsSecret() throws Exception {
        WeakReference<HostConfig> config = activate();
        assertThat(registered).as("the host and its event listener are registered").hasSize(2);
        Await.until("the configuration (with its secret String) is collected while the host runs", BOUND, () -> {
            System.gc();
            return config.get() == null;
        });
    }

    /** Activates the component with a configuration that nothing but the component may keep; a weak reference to it. */
    private WeakReference<HostConfig> activate() {
        HostConfig config = (HostConfig) Proxy.newProxyInstance(HostConfig.class.getClassLoader(),
                new Class<?>[] {HostConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "secret" -> new String("a secret of the test".toCharArray());
                    case "export" -> false;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "HostConfig";
                    default -> method.getDefaultValue();
                });
        BundleContext context = (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                    if (method.getName().equals("registerService")) {
                        registered.add(args[1]);
                        return Proxy.newProxyInstance(ServiceRegistration.class.getClassLoader(),
                                new Class<?>[] {ServiceRegistration.class}, (registration, call, callArgs) -> null);
                    }
                    return null;
                });
        component.activate(context, config);
        return new WeakReference<>(config);
    }
}
