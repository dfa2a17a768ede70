package dev.scard.remote.transport.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.net.ssl.SSLContext;

import org.apache.aries.rsa.annotations.RSADistributionProvider;
import org.apache.aries.rsa.spi.DistributionProvider;
import org.apache.aries.rsa.spi.Endpoint;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.remoteserviceadmin.EndpointDescription;
import org.osgi.service.remoteserviceadmin.RemoteConstants;

/**
 * The distribution provider {@value #CONFIG_TYPE} on Apache Aries RSA's SPI: Aries RSA's core registers a Remote
 * Service Admin for it (with the {@code remote.configs.supported} and {@code remote.intents.supported} this component
 * is registered with), and the topology manager exports through it the services with
 * {@code service.exported.configs=scard.tcp} and imports the endpoints whose {@code service.imported.configs} say
 * {@value #CONFIG_TYPE}.
 *
 * <p><b>Export.</b> One {@link TcpServer} per configuration ({@value #PID}, {@link TransportConfig}), opened at the
 * first export on the configured address and port (127.0.0.1:8201 by default) and closed when the last endpoint
 * closes, serves every service exported through this provider. Each endpoint has a key, and its id is {@code scard.tcp://address:port/key}: the key is the
 * service's {@value #KEY_PROPERTY} or else the name of its first exported interface (with {@code -2}, {@code -3}, ...
 * appended when that key is served already), so that the id of a host's endpoint is known in advance and a static
 * endpoint description (static discovery (dev.scard.remote-rsa)) can name it. Arguments are read through the exporting
 * bundle's class loader. Only the intent {@code osgi.basic} is supported; a service asking
 * for another is not exported by this provider.
 *
 * <p><b>Configuration.</b> The provider runs only while its configuration exists (an empty one takes the defaults):
 * Aries RSA keeps the proxies and endpoints a provider made, so a provider that started with the defaults and was
 * then reconfigured would leave them behind; so there is none before its configuration is in place.
 *
 * <p><b>Import.</b> A proxy over {@link TcpClient}'s pooled connections; answers are read through the class loader the
 * RSA core gives. The call timeout is the endpoint's {@code osgi.basic.timeout} when it has one, else the configured
 * one. A call that cannot be completed fails with {@link org.osgi.framework.ServiceException} ({@code REMOTE}).
 *
 * <p><b>TLS.</b> With {@code tls=true} the server requires a client certificate its trust store trusts, its endpoints
 * say so ({@value #TLS_PROPERTY}), and the client calls every endpoint over TLS with its own key store (also one whose
 * description does not say so: a client configured for TLS never calls in the clear); without TLS configured here, a
 * TLS endpoint cannot be imported.
 */
@RSADistributionProvider(configs = ScardTcpProvider.CONFIG_TYPE)
@Component(service = DistributionProvider.class, configurationPid = ScardTcpProvider.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {
            RemoteConstants.REMOTE_CONFIGS_SUPPORTED + "=" + ScardTcpProvider.CONFIG_TYPE,
            RemoteConstants.REMOTE_INTENTS_SUPPORTED + "=" + ScardTcpProvider.BASIC_INTENT
        })
@Designate(ocd = TransportConfig.class)
public final class ScardTcpProvider implements DistributionProvider {

    /** The configuration PID. */
    public static final String PID = "dev.scard.remote.transport";
    /** The configuration type (the value of {@code service.exported.configs} that selects this provider). */
    public static final String CONFIG_TYPE = "scard.tcp";
    /** Endpoint property: whether the endpoint needs TLS (a Boolean). */
    public static final String TLS_PROPERTY = "scard.tcp.tls";
    /**
     * Service property of an exported service: the key of its endpoint (the last part of its endpoint id); without
     * it, the name of its first exported interface.
     */
    public static final String KEY_PROPERTY = "scard.tcp.key";
    /** The one intent supported. */
    static final String BASIC_INTENT = "osgi.basic";
    /** The standard property of {@code osgi.basic}: a call's longest time, in milliseconds. */
    static final String TIMEOUT_PROPERTY = "osgi.basic.timeout";

    private static final System.Logger LOG = System.getLogger(PID);

    private TransportConfig config;
    private SSLContext tls;
    private TcpClient client;
    private TcpServer server;

    /** Creates the component (Declarative Services does). */
    public ScardTcpProvider() {
    }

    /**
     * Checks the configuration and sets up TLS and the client; the server opens at the first export.
     *
     * @param config the configuration
     * @throws IllegalArgumentException naming what is wrong (never a password)
     */
    @Activate
    void activate(TransportConfig config) {
        if (config.port() < 0 || config.port() > 65535) {
            throw new IllegalArgumentException(PID + ": port " + config.port() + " is not 0 to 65535");
        }
        if (config.maxConnections() < 1) {
            throw new IllegalArgumentException(PID + ": maxConnections must be at least 1");
        }
        if (config.readTimeoutMillis() < 1 || config.connectTimeoutMillis() < 1 || config.callTimeoutMillis() < 1) {
            throw new IllegalArgumentException(PID + ": the timeouts must be positive");
        }
        address(config.bindAddress());
        this.config = config;
        this.tls = Tls.context(config);
        this.client = new TcpClient(tls, config.maxConnections(), config.connectTimeoutMillis());
    }

    /**
     * A provider outside a framework (tools, benchmarks, tests of other modules), configured as {@value #PID} would be
     * with {@code configuration} (the metatype's names: {@code bindAddress}, {@code port}, {@code tls}, ...; values as
     * Strings, Numbers or Booleans) and the defaults for the rest. {@link #close()} ends it.
     *
     * @param configuration the configuration values
     * @return the provider, its server not yet open
     * @throws IllegalArgumentException for an unknown name, a value that does not fit, or a configuration the
     *         component would refuse
     */
    public static ScardTcpProvider standalone(Map<String, ?> configuration) {
        ScardTcpProvider provider = new ScardTcpProvider();
        provider.activate(config(configuration));
        return provider;
    }

    /** Ends a {@link #standalone} provider as deactivation ends the component. */
    public void close() {
        deactivate();
    }

    private static TransportConfig config(Map<String, ?> configuration) {
        Map<String, Object> values = new HashMap<>();
        for (Method element : TransportConfig.class.getDeclaredMethods()) {
            values.put(element.getName(), element.getDefaultValue());
        }
        configuration.forEach((name, value) -> {
            Method element;
            try {
                element = TransportConfig.class.getDeclaredMethod(name);
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(PID + " has no property '" + name + "'", e);
            }
            String text = String.valueOf(value).trim();
            try {
                values.put(name, element.getReturnType() == int.class ? Integer.valueOf(text)
                        : element.getReturnType() == long.class ? Long.valueOf(text)
                        : element.getReturnType() == boolean.class ? Boolean.valueOf(text) : text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(PID + ": '" + name + "' must be a number", e);
            }
        });
        return (TransportConfig) Proxy.newProxyInstance(TransportConfig.class.getClassLoader(),
                new Class<?>[] {TransportConfig.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "annotationType" -> TransportConfig.class;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "@" + TransportConfig.class.getName();
                    default -> values.get(method.getName());
                });
    }

    /** Closes the server (its endpoints end) and the client's connections. */
    @Deactivate
    synchronized void deactivate() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (client != null) {
            client.close();
        }
    }

    private static InetAddress address(String name) {
        try {
            return InetAddress.getByName(name == null || name.isBlank() ? "127.0.0.1" : name.trim());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(PID + ": bindAddress '" + name + "' is not an address of this machine",
                    e);
        }
    }

    /** {@inheritDoc} */
    @Override
    public String[] getSupportedTypes() {
        return new String[] {CONFIG_TYPE};
    }

    /**
     * Serves {@code service} on this provider's server (opening it first if need be).
     *
     * @return the endpoint; null when the service asks for an intent other than {@code osgi.basic}
     * @throws UncheckedIOException when the server socket cannot be opened
     */
    @Override
    @SuppressWarnings("rawtypes")
    public Endpoint exportService(Object service, BundleContext serviceContext,
            Map<String, Object> effectiveProperties, Class[] exportedInterfaces) {
        Set<String> intents = new HashSet<>();
        intents.addAll(strings(effectiveProperties.get(RemoteConstants.SERVICE_EXPORTED_INTENTS)));
        intents.addAll(strings(effectiveProperties.get(RemoteConstants.SERVICE_EXPORTED_INTENTS_EXTRA)));
        intents.remove(BASIC_INTENT);
        if (!intents.isEmpty()) {
            LOG.log(Level.WARNING, "not exported through {0}: intents {1} are not supported", CONFIG_TYPE, intents);
            return null;
        }
        ClassLoader loader = loader(serviceContext, exportedInterfaces);
        TcpServer current = server();
        Object named = effectiveProperties.get(KEY_PROPERTY);
        String key = current.add(named instanceof String name && !name.isBlank() ? name.trim()
                : exportedInterfaces[0].getName(), service, exportedInterfaces, loader);
        String id = CONFIG_TYPE + "://" + publishedHost(current) + ":" + current.port() + "/" + key;
        effectiveProperties.put(RemoteConstants.ENDPOINT_ID, id);
        effectiveProperties.put(RemoteConstants.SERVICE_IMPORTED_CONFIGS, new String[] {CONFIG_TYPE});
        effectiveProperties.put(RemoteConstants.SERVICE_INTENTS, new String[] {BASIC_INTENT});
        effectiveProperties.put(TLS_PROPERTY, tls != null);
        EndpointDescription description;
        try {
            description = new EndpointDescription(effectiveProperties);
        } catch (RuntimeException e) {
            unexport(current, key);
            throw e;
        }
        return new Endpoint() {
            @Override
            public EndpointDescription description() {
                return description;
            }

            @Override
            public void close() {
                unexport(current, key);
            }
        };
    }

    /** Stops serving an endpoint; the server closes (its port too) when it was the last. */
    private synchronized void unexport(TcpServer from, String key) {
        if (!from.remove(key) && server == from) {
            server.close();
            server = null;
            LOG.log(Level.INFO, "{0} no longer serves on port {1}: nothing is exported through it",
                    CONFIG_TYPE, String.valueOf(from.port()));
        }
    }

    /** The server, opened at the first call. */
    synchronized TcpServer server() {
        if (server == null) {
            try {
                server = new TcpServer(address(config.bindAddress()), config.port(), tls, config.maxConnections(),
                        config.readTimeoutMillis());
            } catch (IOException e) {
                throw new UncheckedIOException(PID + ": cannot listen on " + config.bindAddress() + ":"
                        + config.port() + " (" + e.getMessage() + ")", e);
            }
            LOG.log(Level.INFO, "{0} serves on {1}:{2}{3}", CONFIG_TYPE, server.address().getHostAddress(),
                    String.valueOf(server.port()), tls == null ? "" : " (mutual TLS)");
        }
        return server;
    }

    private static String publishedHost(TcpServer server) {
        InetAddress address = server.address();
        if (!address.isAnyLocalAddress()) {
            String host = address.getHostAddress();
            return host.contains(":") ? "[" + host + "]" : host;
        }
        try {
            return InetAddress.getLocalHost().getCanonicalHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static ClassLoader loader(BundleContext context, Class<?>[] interfaces) {
        if (context != null) {
            BundleWiring wiring = context.getBundle().adapt(BundleWiring.class);
            if (wiring != null && wiring.getClassLoader() != null) {
                return wiring.getClassLoader();
            }
        }
        return interfaces[0].getClassLoader();
    }

    /**
     * A proxy for the endpoint, calling it over this provider's client.
     *
     * @throws IllegalArgumentException for an endpoint this provider cannot call (not {@value #CONFIG_TYPE}, TLS
     *         needed but not configured here)
     */
    @Override
    @SuppressWarnings("rawtypes")
    public Object importEndpoint(ClassLoader loader, BundleContext consumerContext, Class[] interfaces,
            EndpointDescription endpoint) {
        Map<String, Object> properties = endpoint.getProperties();
        boolean secure = tls != null || Boolean.parseBoolean(String.valueOf(properties.get(TLS_PROPERTY)));
        long timeout = config.callTimeoutMillis();
        Object basic = properties.get(TIMEOUT_PROPERTY);
        if (basic != null) {
            try {
                long asked = Long.parseLong(String.valueOf(basic).trim());
                if (asked > 0) {
                    timeout = asked;
                }
            } catch (NumberFormatException e) {
                LOG.log(Level.WARNING, "endpoint {0}: {1} is not a number of milliseconds; the configured call "
                        + "timeout applies", endpoint.getId(), TIMEOUT_PROPERTY);
            }
        }
        return client.proxy(loader, interfaces, endpoint.getId(), secure, timeout);
    }

    private static List<String> strings(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof String text) {
            return List.of(text.split(",")).stream().map(String::trim).filter(s -> !s.isEmpty()).toList();
        }
        if (value instanceof String[] array) {
            return List.of(array);
        }
        if (value instanceof java.util.Collection<?> collection) {
            return collection.stream().map(String::valueOf).toList();
        }
        return List.of(String.valueOf(value));
    }
}
