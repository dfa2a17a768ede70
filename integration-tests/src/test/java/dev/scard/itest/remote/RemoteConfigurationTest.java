package dev.scard.itest.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

import dev.scard.api.ReaderInfo;
import dev.scard.api.SCardResourceManager;
import dev.scard.itest.support.OsgiTestSupport;
import dev.scard.remote.api.RemoteCardHost;
import dev.scard.testsupport.Await;

/**
 * The remote bundles' configurations in the framework: the host starts only with a usable secret and registers the
 * Remote Services export properties without it; the remote backend shows a host's readers only to a client with the
 * host's secret, and ignores hosts of this framework when told to. An exported host is registered only once scard.tcp
 * can export it. Each test deletes the configurations it made.
 */
public class RemoteConfigurationTest extends OsgiTestSupport {

    private static final String SECRET = "configuration test secret";
    /** The configuration of the distribution provider scard.tcp (bundle dev.scard.remote-transport). */
    private static final String TRANSPORT_PID = "dev.scard.remote.transport";

    private ConfigurationAdmin cm() throws InterruptedException {
        return awaitService(ConfigurationAdmin.class, null);
    }

    private void configure(String pid, Object... keysAndValues) throws Exception {
        Dictionary<String, Object> properties = new Hashtable<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            properties.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        Configuration configuration = cm().getConfiguration(pid, "?");
        configuration.update(properties);
    }

    @AfterEach
    void deleteBoth() throws Exception {
        for (String pid : List.of(RemoteCardHost.CLIENT_PID, RemoteCardHost.HOST_PID, TRANSPORT_PID)) {
            Configuration[] configurations = cm().listConfigurations("(service.pid=" + pid + ")");
            for (Configuration configuration : configurations == null ? new Configuration[0] : configurations) {
                configuration.delete();
            }
        }
        Await.until("the remote services go", BOUND, () -> references(RemoteCardHost.class, null).isEmpty()
                && references(SCardResourceManager.class, "(scard.backend=remote)").isEmpty());
    }

    /** How many Remote Service Admins for scard.tcp there are (Aries RSA registers one while the provider runs). */
    private int scardTcpAdmins() {
        try {
            ServiceReference<?>[] admins = context.getServiceReferences((String) null,
                    "(&(objectClass=org.osgi.service.remoteserviceadmin.RemoteServiceAdmin)"
                            + "(remote.configs.supported=scard.tcp))");
            return admins == null ? 0 : admins.length;
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("the filter is constant", e);
        }
    }

    /** Whether the component of that name has an active configuration whose properties have {@code key=value}. */
    private static boolean activeWith(ServiceComponentRuntime scr, String component, String key, Object value) {
        for (ComponentDescriptionDTO description : scr.getComponentDescriptionDTOs()) {
            if (description.name.equals(component)) {
                for (ComponentConfigurationDTO configuration : scr.getComponentConfigurationDTOs(description)) {
                    if (configuration.state == ComponentConfigurationDTO.ACTIVE
                            && value.equals(configuration.properties.get(key))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void aHostWithoutAUsableSecretServesNothing() throws Exception {
        ServiceComponentRuntime scr = awaitService(ServiceComponentRuntime.class, null);
        configure(RemoteCardHost.HOST_PID, "secret", "short", "hostName", "refused");
        Await.until("the host component is active", BOUND,
                () -> activeWith(scr, RemoteCardHost.HOST_PID, "hostName", "refused"));
        assertThat(references(RemoteCardHost.class, null)).as("no host with a secret under 8 bytes").isEmpty();

        configure(RemoteCardHost.HOST_PID, "hostName", "no-secret");
        Await.until("the host component is active", BOUND,
                () -> activeWith(scr, RemoteCardHost.HOST_PID, "hostName", "no-secret"));
        assertThat(references(RemoteCardHost.class, null)).as("no host without a secret").isEmpty();

        configure(RemoteCardHost.HOST_PID, "secret", SECRET, "hostName", "accepted", "export", false);
        assertThat(awaitReference(RemoteCardHost.class, null).getProperty(RemoteCardHost.HOST_NAME_PROPERTY))
                .isEqualTo("accepted");
    }

    @Test
    void aHostIsRegisteredForExportThroughScardTcpWithoutItsSecret() throws Exception {
        ServiceComponentRuntime scr = awaitService(ServiceComponentRuntime.class, null);
        Await.until("no Remote Service Admin for scard.tcp left by another test", BOUND, () -> scardTcpAdmins() == 0);
        configure(RemoteCardHost.HOST_PID, "secret", SECRET, "leaseMillis", 9_000L);
        Await.until("the host component is active", BOUND,
                () -> activeWith(scr, RemoteCardHost.HOST_PID, "leaseMillis", 9_000L));
        assertThat(references(RemoteCardHost.class, null))
                .as("no exported host while scard.tcp cannot export it (Aries RSA would log it as a failure)").isEmpty();
        // Its provider running (on any free port), Aries RSA registers a Remote Service Admin for scard.tcp.
        configure(TRANSPORT_PID, "port", 0);
        ServiceReference<RemoteCardHost> host = awaitReference(RemoteCardHost.class, null);
        assertThat(host.getProperty("service.exported.interfaces")).isEqualTo(RemoteCardHost.class.getName());
        assertThat(host.getProperty("service.exported.configs")).isEqualTo("scard.tcp");
        assertThat(host.getProperty("osgi.basic.timeout")).as("the longest lock wait plus 150 s")
                .isEqualTo(120_000L + 150_000L);
        assertThat(host.getProperty(RemoteCardHost.HOST_NAME_PROPERTY)).as("no host name configured").isNull();
        for (String key : host.getPropertyKeys()) {
            assertThat(String.valueOf(host.getProperty(key))).as("property %s", key).doesNotContain(SECRET);
        }
    }

    @Test
    void theRemoteBackendShowsAHostsReadersOnlyWithItsSecret() throws Exception {
        ServiceComponentRuntime scr = awaitService(ServiceComponentRuntime.class, null);
        configure(RemoteCardHost.HOST_PID, "secret", SECRET, "export", false, "backend", "simulator");
        awaitReference(RemoteCardHost.class, null);

        configure(RemoteCardHost.CLIENT_PID, "secret", "not the host's secret");
        SCardResourceManager remote = awaitService(SCardResourceManager.class, "(scard.backend=remote)");
        assertThat(remote.listReaders()).as("a host that refuses the client shows no reader").isEmpty();

        configure(RemoteCardHost.CLIENT_PID, "hostSecrets", new String[] {"local=" + SECRET});
        Await.until("the host's readers with the host's own secret", BOUND,
                () -> readers().contains("Simulated Reader 0 @ local"));

        long before = backendServiceId();
        configure(RemoteCardHost.CLIENT_PID, "secret", SECRET, "acceptLocal", false);
        Await.until("the remote backend restarted with the new configuration", BOUND,
                () -> backendServiceId() > before);
        assertThat(readers()).as("a host of this framework is not used").isEmpty();
    }

    /** The service id of the remote backend's resource manager now, -1 when there is none. */
    private long backendServiceId() {
        return references(SCardResourceManager.class, "(scard.backend=remote)").stream()
                .mapToLong(reference -> (Long) reference.getProperty("service.id")).max().orElse(-1L);
    }

    /** The remote backend's readers now (none while it is not registered). */
    private List<String> readers() {
        List<ServiceReference<SCardResourceManager>> found = List.copyOf(
                references(SCardResourceManager.class, "(scard.backend=remote)"));
        if (found.isEmpty()) {
            return List.of();
        }
        return getService(found.get(0)).listReaders().stream().map(ReaderInfo::name).toList();
    }
}
