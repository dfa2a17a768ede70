package dev.scard.remote.rsa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Hashtable;

import org.junit.jupiter.api.Test;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.remoteserviceadmin.EndpointDescription;

class StaticEndpointsTest {

    private static Hashtable<String, Object> host() {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put("service.pid", "dev.scard.remote.endpoint~demo");
        properties.put("service.factoryPid", "dev.scard.remote.endpoint");
        properties.put("endpoint.id", "scard.tcp://127.0.0.1:8201/dev.scard.remote.api.RemoteCardHost");
        properties.put("service.imported", true);
        properties.put("service.imported.configs", "scard.tcp");
        properties.put("objectClass", "dev.scard.remote.api.RemoteCardHost");
        properties.put("remote.host.name", "demo");
        return properties;
    }

    @Test
    void aConfigurationIsTheEndpointDescriptionWithoutConfigAdminsProperties() throws ConfigurationException {
        EndpointDescription endpoint = StaticEndpoints.endpoint(host());

        assertThat(endpoint.getId()).isEqualTo("scard.tcp://127.0.0.1:8201/dev.scard.remote.api.RemoteCardHost");
        assertThat(endpoint.getInterfaces()).containsExactly("dev.scard.remote.api.RemoteCardHost");
        assertThat(endpoint.getConfigurationTypes()).containsExactly("scard.tcp");
        assertThat(endpoint.getProperties()).containsEntry("remote.host.name", "demo")
                .doesNotContainKeys("service.pid", "service.factoryPid");
        assertThat(endpoint.matches("(objectClass=dev.scard.remote.api.RemoteCardHost)")).isTrue();
    }

    @Test
    void aConfigurationWithoutAnEndpointIdIsRefusedSayingSo() {
        Hashtable<String, Object> properties = host();
        properties.remove("endpoint.id");

        assertThatThrownBy(() -> StaticEndpoints.endpoint(properties)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("not a remote endpoint description").hasMessageContaining("endpoint.id");
    }
}
