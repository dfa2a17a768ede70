package dev.scard.remote.rsa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.service.remoteserviceadmin.EndpointDescription;

/** Endpoint descriptions written and read back, Aries's form read, and what is not one refused. */
class EndpointXmlTest {

    private final EndpointXml xml = new EndpointXml();

    @Test
    void anEndpointSurvivesWritingAndReading() {
        Map<String, Object> properties = new HashMap<>();
        properties.put("objectClass", new String[] {"dev.scard.remote.api.RemoteCardHost"});
        properties.put("endpoint.id", "tcp://127.0.0.1:8201");
        properties.put("service.imported.configs", new String[] {"aries.tcp"});
        properties.put("endpoint.service.id", 42L);
        properties.put("aries.rsa.port", 8201);
        properties.put("remote.host.name", "lab <&> \"2\"");
        properties.put("service.intents", List.of("osgi.basic", "osgi.async"));
        properties.put("flag", Boolean.TRUE);
        EndpointDescription endpoint = new EndpointDescription(properties);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        xml.writeEndpoint(endpoint, out);
        EndpointDescription read = xml.readEndpoint(new ByteArrayInputStream(out.toByteArray()));

        assertThat(read.getId()).isEqualTo("tcp://127.0.0.1:8201");
        assertThat(read.getInterfaces()).containsExactly("dev.scard.remote.api.RemoteCardHost");
        assertThat(read.getConfigurationTypes()).containsExactly("aries.tcp");
        assertThat(read.getServiceId()).isEqualTo(42L);
        assertThat(read.getProperties()).containsEntry("aries.rsa.port", 8201)
            .containsEntry("remote.host.name", "lab <&> \"2\"").containsEntry("flag", Boolean.TRUE)
            .containsEntry("service.intents", List.of("osgi.basic", "osgi.async"));
        assertThat(read.getProperties()).hasSameSizeAs(endpoint.getProperties());
    }

    @Test
    void theSpecificationsFormIsRead() {
        String document = "<endpoint-descriptions xmlns=\"http://www.osgi.org/xmlns/rsa/v1.0.0\">"
            + "<endpoint-description>"
            + "<property name=\"objectClass\"><array><value>a.B</value></array></property>"
            + "<property name=\"endpoint.id\" value=\"tcp://h:1\"/>"
            + "<property name=\"service.imported.configs\" value=\"aries.tcp\"/>"
            + "<property name=\"ports\" value-type=\"int\"><array><value> 1 </value><value>2</value></array></property>"
            + "</endpoint-description></endpoint-descriptions>";
        List<EndpointDescription> read = xml.readEndpoints(
            new ByteArrayInputStream(document.getBytes(StandardCharsets.UTF_8)));
        assertThat(read).hasSize(1);
        assertThat((int[]) read.get(0).getProperties().get("ports")).containsExactly(1, 2);
    }

    @Test
    void whatIsNotAnEndpointIsRefusedWithTheReason() {
        assertThatThrownBy(() -> xml.readEndpoints(stream("<other/>")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<other>");
        assertThatThrownBy(() -> xml.readEndpoints(stream("<endpoint-description><property name=\"x\" "
            + "value-type=\"Long\" value=\"ten\"/></endpoint-description>")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'x'").hasMessageContaining("ten");
        assertThatThrownBy(() -> xml.readEndpoints(stream("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
            + "<endpoint-description/>")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DOCTYPE");
    }

    private static ByteArrayInputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
