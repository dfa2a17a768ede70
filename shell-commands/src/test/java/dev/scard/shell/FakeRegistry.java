package dev.scard.shell;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceObjects;
import org.osgi.framework.ServiceReference;

/**
 * A service registry just big enough for {@link ScardCommands} and {@link BackendCommands}: a {@link BundleContext}
 * whose services are registered by the test, singletons or prototypes, with rankings; counts what was got and
 * released.
 */
final class FakeRegistry {

    private final List<Ref> refs = new ArrayList<>();
    private final Bundle bundle = proxy(Bundle.class);
    private long nextId = 1;
    /** Prototype instances handed out and not released yet. */
    final List<Object> outstanding = new ArrayList<>();
    int singletonGets;
    int singletonUngets;

    final BundleContext context = (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {BundleContext.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "getServiceReferences":
                        return references((Class<?>) args[0], (String) args[1]);
                    case "getService":
                        return ((Ref) args[0]).singleton();
                    case "ungetService":
                        singletonUngets++;
                        return true;
                    case "getServiceObjects":
                        return ((Ref) args[0]).objects();
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });

    /** Registers a singleton service. */
    <S> ServiceReference<S> register(Class<S> type, S service, Map<String, Object> properties) {
        return add(type, () -> service, false, properties);
    }

    /** Registers a prototype-scoped service: each getService of its ServiceObjects calls the factory. */
    <S> ServiceReference<S> registerPrototype(Class<S> type, Supplier<S> factory, Map<String, Object> properties) {
        return add(type, factory, true, properties);
    }

    /** Unregisters: the reference's bundle becomes null and the service is no longer found. */
    void unregister(ServiceReference<?> ref) {
        ((Ref) ref).registered = false;
        refs.remove(ref);
    }

    @SuppressWarnings("unchecked")
    private <S> ServiceReference<S> add(Class<S> type, Supplier<S> factory, boolean prototype,
            Map<String, Object> properties) {
        Hashtable<String, Object> props = new Hashtable<>(properties);
        props.put(Constants.OBJECTCLASS, new String[] {type.getName()});
        props.put(Constants.SERVICE_ID, nextId++);
        Ref ref = new Ref(props, (Supplier<Object>) factory, prototype);
        refs.add(ref);
        return (ServiceReference<S>) ref;
    }

    private Collection<ServiceReference<?>> references(Class<?> type, String filter) throws InvalidSyntaxException {
        var f = filter == null ? null : FrameworkUtil.createFilter(filter);
        List<ServiceReference<?>> found = new ArrayList<>();
        for (Ref ref : refs) {
            String[] classes = (String[]) ref.props.get(Constants.OBJECTCLASS);
            if (classes[0].equals(type.getName()) && (f == null || f.match(ref.props))) {
                found.add(ref);
            }
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type) {
        return (T) Proxy.newProxyInstance(FakeRegistry.class.getClassLoader(), new Class<?>[] {type},
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

    private final class Ref implements ServiceReference<Object> {
        final Hashtable<String, Object> props;
        final Supplier<Object> factory;
        final boolean prototype;
        Object instance;
        volatile boolean registered = true;

        Ref(Hashtable<String, Object> props, Supplier<Object> factory, boolean prototype) {
            this.props = props;
            this.factory = factory;
            this.prototype = prototype;
        }

        Object singleton() {
            if (!registered) {
                return null;
            }
            singletonGets++;
            if (instance == null) {
                instance = factory.get();
            }
            return instance;
        }

        ServiceObjects<Object> objects() {
            if (!registered) {
                return null;
            }
            return new ServiceObjects<>() {
                @Override
                public Object getService() {
                    Object service = prototype ? factory.get() : singleton();
                    outstanding.add(service);
                    return service;
                }

                @Override
                public void ungetService(Object service) {
                    if (!outstanding.remove(service)) {
                        throw new IllegalArgumentException("not from these ServiceObjects");
                    }
                }

                @Override
                public ServiceReference<Object> getServiceReference() {
                    return Ref.this;
                }
            };
        }

        @Override
        public Object getProperty(String key) {
            return props.get(key);
        }

        @Override
        public String[] getPropertyKeys() {
            return props.keySet().toArray(new String[0]);
        }

        @Override
        public Bundle getBundle() {
            return registered ? bundle : null;
        }

        @Override
        public Bundle[] getUsingBundles() {
            return null;
        }

        @Override
        public boolean isAssignableTo(Bundle bundle, String className) {
            return true;
        }

        @Override
        public int compareTo(Object other) {
            Ref that = (Ref) other;
            int ranking = Integer.compare(ranking(this), ranking(that));
            if (ranking != 0) {
                return ranking;
            }
            // the lower service id ranks higher
            return Long.compare((Long) that.props.get(Constants.SERVICE_ID), (Long) props.get(Constants.SERVICE_ID));
        }

        private int ranking(Ref ref) {
            Object value = ref.props.get(Constants.SERVICE_RANKING);
            return value instanceof Integer ? (Integer) value : 0;
        }

        @Override
        public Dictionary<String, Object> getProperties() {
            return new Hashtable<>(props);
        }

        @Override
        public <A> A adapt(Class<A> type) {
            return null;
        }
    }
}
