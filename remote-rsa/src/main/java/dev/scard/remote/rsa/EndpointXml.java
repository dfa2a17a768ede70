package dev.scard.remote.rsa;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;

import org.apache.aries.rsa.spi.EndpointDescriptionParser;
import org.osgi.service.remoteserviceadmin.EndpointDescription;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * Endpoint descriptions in the XML of OSGi Remote Services (namespace {@value #NAMESPACE}), read and written with the
 * JDK's DOM parser, for Aries RSA's ZooKeeper discovery, which stores one endpoint description per ZooKeeper node and
 * needs an {@link EndpointDescriptionParser} service. Aries's own parser (in {@code discovery.local}) needs JAXB,
 * which JDK 17 no longer carries; this one needs nothing.
 *
 * <p>What it reads and writes: {@code <property name value-type value>} with the scalar types of the specification
 * ({@code String}, {@code Long}, {@code Integer}, {@code Short}, {@code Byte}, {@code Character}, {@code Double},
 * {@code Float}, {@code Boolean} and their primitive forms), and {@code <array>}, {@code <list>} or {@code <set>} of
 * {@code <value>}s of one of these; an {@code <xml>} value or another type is refused with what it was. The parser
 * refuses DOCTYPEs and external entities.
 */
final class EndpointXml implements EndpointDescriptionParser {

    /** The namespace of endpoint descriptions. */
    static final String NAMESPACE = "http://www.osgi.org/xmlns/rsa/v1.0.0";

    /** Creates the parser. */
    EndpointXml() {
    }

    /**
     * Reads every endpoint description of a document ({@code <endpoint-descriptions>} or one
     * {@code <endpoint-description>}).
     *
     * @param in the document
     * @return its endpoint descriptions
     * @throws IllegalArgumentException for a document that is not one
     */
    @Override
    public List<EndpointDescription> readEndpoints(InputStream in) {
        Element root = parse(in).getDocumentElement();
        List<EndpointDescription> endpoints = new ArrayList<>();
        if ("endpoint-description".equals(root.getLocalName())) {
            endpoints.add(endpoint(root));
            return endpoints;
        }
        if (!"endpoint-descriptions".equals(root.getLocalName())) {
            throw new IllegalArgumentException("not endpoint descriptions: the root element is <" + root.getTagName()
                + ">");
        }
        for (Element element : children(root, "endpoint-description")) {
            endpoints.add(endpoint(element));
        }
        return endpoints;
    }

    /**
     * Reads the one (or first) endpoint description of a document.
     *
     * @param in the document
     * @return the endpoint description, or {@code null} when the document has none
     */
    @Override
    public EndpointDescription readEndpoint(InputStream in) {
        List<EndpointDescription> endpoints = readEndpoints(in);
        return endpoints.isEmpty() ? null : endpoints.get(0);
    }

    /**
     * Writes one endpoint description as an {@code <endpoint-descriptions>} document with one element.
     *
     * @param endpoint the endpoint description
     * @param out where to
     */
    @Override
    public void writeEndpoint(EndpointDescription endpoint, OutputStream out) {
        Objects.requireNonNull(endpoint, "endpoint");
        StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<endpoint-descriptions xmlns=\"")
            .append(NAMESPACE).append("\">\n  <endpoint-description>\n");
        for (Map.Entry<String, Object> property : endpoint.getProperties().entrySet()) {
            Object value = property.getValue();
            if (value == null) {
                continue;
            }
            xml.append("    <property name=\"").append(escape(property.getKey())).append('"');
            if (value.getClass().isArray()) {
                writeValues(xml, "array", type(value.getClass().getComponentType()), arrayValues(value));
            } else if (value instanceof Collection<?> values) {
                Object first = values.isEmpty() ? "" : values.iterator().next();
                writeValues(xml, value instanceof java.util.Set ? "set" : "list", type(first.getClass()), values);
            } else {
                xml.append(" value-type=\"").append(type(value.getClass())).append("\" value=\"")
                    .append(escape(String.valueOf(value))).append("\"/>\n");
            }
        }
        xml.append("  </endpoint-description>\n</endpoint-descriptions>\n");
        try {
            out.write(xml.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeValues(StringBuilder xml, String kind, String type, Collection<?> values) {
        xml.append(" value-type=\"").append(type).append("\">\n      <").append(kind).append('>');
        for (Object value : values) {
            xml.append("<value>").append(escape(String.valueOf(value))).append("</value>");
        }
        xml.append("</").append(kind).append(">\n    </property>\n");
    }

    private static List<Object> arrayValues(Object array) {
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < Array.getLength(array); i++) {
            values.add(Array.get(array, i));
        }
        return values;
    }

    private static String type(Class<?> type) {
        if (type.isPrimitive()) {
            return type.getName();
        }
        String name = type.getSimpleName();
        if (type.getPackageName().equals("java.lang") && SCALARS.contains(name)) {
            return name;
        }
        throw new IllegalArgumentException("an endpoint property of type " + type.getName()
            + " cannot be written (only strings, boxed primitives and arrays or collections of them)");
    }

    private static final List<String> SCALARS = List.of("String", "Long", "Integer", "Short", "Byte", "Character",
        "Double", "Float", "Boolean");

    private static EndpointDescription endpoint(Element element) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (Element property : children(element, "property")) {
            String name = property.getAttribute("name");
            if (name.isEmpty()) {
                throw new IllegalArgumentException("an endpoint <property> without a name");
            }
            String type = property.hasAttribute("value-type") ? property.getAttribute("value-type") : "String";
            if (property.hasAttribute("value")) {
                properties.put(name, scalar(name, type, property.getAttribute("value")));
                continue;
            }
            Element values = firstChild(property);
            if (values == null) {
                throw new IllegalArgumentException("endpoint property '" + name + "' has no value");
            }
            List<Object> read = new ArrayList<>();
            for (Element value : children(values, "value")) {
                read.add(scalar(name, type, value.getTextContent()));
            }
            switch (values.getLocalName()) {
                case "array" -> properties.put(name, array(name, type, read));
                case "list" -> properties.put(name, read);
                case "set" -> properties.put(name, new LinkedHashSet<>(read));
                default -> throw new IllegalArgumentException("endpoint property '" + name + "': <"
                    + values.getLocalName() + "> values are not supported (only array, list and set)");
            }
        }
        return new EndpointDescription(properties);
    }

    private static Object array(String name, String type, List<Object> values) {
        Class<?> component = switch (type) {
            case "long" -> long.class;
            case "int" -> int.class;
            case "short" -> short.class;
            case "byte" -> byte.class;
            case "char" -> char.class;
            case "double" -> double.class;
            case "float" -> float.class;
            case "boolean" -> boolean.class;
            default -> values.isEmpty() ? String.class : values.get(0).getClass();
        };
        Object array = Array.newInstance(component, values.size());
        for (int i = 0; i < values.size(); i++) {
            Array.set(array, i, values.get(i));
        }
        return array;
    }

    private static Object scalar(String name, String type, String text) {
        String value = text.strip();
        try {
            return switch (type) {
                case "String" -> text;
                case "Long", "long" -> Long.valueOf(value);
                case "Integer", "int" -> Integer.valueOf(value);
                case "Short", "short" -> Short.valueOf(value);
                case "Byte", "byte" -> Byte.valueOf(value);
                case "Double", "double" -> Double.valueOf(value);
                case "Float", "float" -> Float.valueOf(value);
                case "Boolean", "boolean" -> Boolean.valueOf(value);
                case "Character", "char" -> {
                    if (value.length() != 1) {
                        throw new NumberFormatException("not one character");
                    }
                    yield value.charAt(0);
                }
                default -> throw new IllegalArgumentException("endpoint property '" + name + "': value-type '" + type
                    + "' is not supported");
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("endpoint property '" + name + "': '" + value + "' is not a " + type, e);
        }
    }

    private static Document parse(InputStream in) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            builder.setErrorHandler(null);
            return builder.parse(in);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML parser cannot be configured safely", e);
        } catch (SAXException e) {
            throw new IllegalArgumentException("not an endpoint description: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> elements = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            Node node = nodes.item(i);
            if (node instanceof Element element && name.equals(element.getLocalName())) {
                elements.add(element);
            }
        }
        return elements;
    }

    private static Element firstChild(Element parent) {
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element element) {
                return element;
            }
        }
        return null;
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
