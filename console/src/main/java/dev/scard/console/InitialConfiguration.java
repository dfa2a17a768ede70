package dev.scard.console;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;

/**
 * The distribution's initial configuration: a JSON file in the format of the OSGi Configurator (OSGi Compendium
 * R7, chapter 150), applied through Config Admin before the console runs a command.
 *
 * <pre>
 * {
 *   // comments are allowed
 *   ":configurator:resource-version": 1,
 *   "dev.scard.simulator": { "readers": ["Simulated Reader 0"], "cardInserted": ["Simulated Reader 0"] },
 *   "dev.scard.simulator.reader~lab": { "name": "Lab Reader", "profile": "cards/lab.json", "vpcd": "" },
 *   "some.pid": { "port:Integer": 35963, "hosts:String[]": ["a", "b"] }
 * }
 * </pre>
 *
 * <p>Each key is a configuration PID, or {@code factoryPid~name} for a named factory configuration (Config Admin
 * 1.6 {@code getFactoryConfiguration(factoryPid, name, "?")}). Values: strings, booleans, integral numbers (as
 * {@code Long}), decimal numbers ({@code Double}) and arrays of one of these; a {@code key:Type} suffix converts to
 * {@code String}, {@code Integer}, {@code Long}, {@code Short}, {@code Byte}, {@code Float}, {@code Double},
 * {@code Boolean} or {@code Character}, or an array of one of these ({@code key:Integer[]}). Keys starting with
 * {@code :configurator:} are the Configurator's own (the resource version must be 1); they are not applied, and
 * neither is anything else the Configurator knows but this distribution does not need (binaries, collections,
 * ranking and policy).
 *
 * <p>Property names are case-insensitive, as in Config Admin: two names of one configuration that differ only in
 * case are refused as a duplicate, and so are the properties Config Admin sets itself ({@code service.pid},
 * {@code service.factoryPid}, {@code service.bundleLocation}, in any case).
 *
 * <p>The file is checked as a whole before anything is applied: a file that cannot be read, is not JSON, or holds
 * one value that cannot be applied is reported with what is wrong and where, and nothing from it is applied.
 * Configurations are written with {@code updateIfDifferent}, so one that already holds the same values is left
 * alone; configurations not in the file are not touched.
 */
final class InitialConfiguration {

    /** The system property naming the file ({@code -Dscard.config=FILE}); empty for none. */
    static final String PROPERTY = "scard.config";
    /** The file read by default, beside {@code scard.jar}. */
    static final String DEFAULT_FILE = "scard.json";

    private static final String CONFIGURATOR = ":configurator:";
    /**
     * The properties Config Admin sets itself ({@code service.pid}, {@code service.factoryPid},
     * {@code service.bundleLocation}), lower-cased: a file must not set them, in any case.
     */
    private static final Set<String> RESERVED = Set.of("service.pid", "service.factorypid", "service.bundlelocation");
    private static final JsonFactory JSON = JsonFactory.builder()
        .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();

    private InitialConfiguration() {
    }

    /**
     * One configuration from the file.
     *
     * @param pid the PID, or the factory PID of a factory configuration
     * @param name the factory configuration's name, or {@code null} for a plain configuration
     * @param properties the values, in Config Admin's types
     */
    record Entry(String pid, String name, Hashtable<String, Object> properties) {

        /** The key as written in the file. */
        String key() {
            return name == null ? pid : pid + "~" + name;
        }
    }

    /** A configuration file that cannot be applied: what is wrong, and where. */
    static final class Problem extends Exception {
        private static final long serialVersionUID = 1L;

        Problem(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Which file to apply: the {@code --config} option, else the {@value #PROPERTY} system property, else
     * {@value #DEFAULT_FILE} in the folder of the distribution's jar when it exists there. An empty option or
     * property means none.
     *
     * @param option the {@code --config} value, or {@code null} when not given
     * @param property the system property's value, or {@code null}
     * @param classPath {@code java.class.path}: for {@code java -jar scard.jar}, the jar
     * @return the file, if any
     * @throws Problem for a path that is not one
     */
    static Optional<Path> locate(String option, String property, String classPath) throws Problem {
        String given = option != null ? option : property;
        if (given != null) {
            if (given.isBlank()) {
                return Optional.empty();
            }
            try {
                return Optional.of(Path.of(given.strip()));
            } catch (InvalidPathException e) {
                throw new Problem("'" + given + "' is not a file path: " + e.getReason());
            }
        }
        if (classPath == null || classPath.isBlank() || classPath.contains(File.pathSeparator)
            || !classPath.toLowerCase(Locale.ROOT).endsWith(".jar")) {
            return Optional.empty();
        }
        try {
            Path folder = Path.of(classPath).toAbsolutePath().getParent();
            Path beside = folder == null ? null : folder.resolve(DEFAULT_FILE);
            return beside != null && Files.isRegularFile(beside) ? Optional.of(beside) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    /**
     * Reads a configuration file.
     *
     * @throws Problem when it does not exist, is a folder, cannot be read or is not UTF-8 text
     */
    static String read(Path file) throws Problem {
        if (Files.isDirectory(file)) {
            throw new Problem("is a folder, not a file");
        }
        try {
            return Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new Problem("does not exist" + (file.isAbsolute() ? ""
                : " (relative to " + Path.of("").toAbsolutePath() + ")"));
        } catch (AccessDeniedException e) {
            throw new Problem("cannot be read: access denied");
        } catch (CharacterCodingException e) {
            throw new Problem("is not UTF-8 text");
        } catch (IOException e) {
            throw new Problem("cannot be read: " + e);
        }
    }

    /**
     * Parses a configuration file's text.
     *
     * @return the configurations in the order of the file
     * @throws Problem naming the line and column, and the configuration and key, of the first thing wrong
     */
    static List<Entry> parse(String text) throws Problem {
        List<Entry> entries = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new Problem("the file is empty (write {} for no configurations)");
            }
            if (first != JsonToken.START_OBJECT) {
                throw problem(parser, "the file must hold one JSON object whose keys are configuration PIDs");
            }
            Set<String> keys = new LinkedHashSet<>();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String key = parser.currentName();
                JsonToken value = parser.nextToken();
                if (key.startsWith(CONFIGURATOR)) {
                    checkConfiguratorKey(parser, key, value);
                    continue;
                }
                Entry entry = entry(parser, key, value);
                if (!keys.add(entry.key())) {
                    throw problem(parser, "'" + key + "' appears twice");
                }
                entries.add(entry);
            }
            if (parser.nextToken() != null) {
                throw problem(parser, "text after the end of the JSON object");
            }
        } catch (JsonParseException e) {
            throw new Problem(where(e.getLocation()) + "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Problem("cannot be parsed: " + e.getMessage());
        }
        return Collections.unmodifiableList(entries);
    }

    /**
     * Writes the configurations through Config Admin, each with {@code updateIfDifferent}.
     *
     * @return the PIDs of the configurations that changed
     * @throws IOException when Config Admin cannot store one (those before it are applied)
     */
    static List<String> apply(ConfigurationAdmin admin, List<Entry> entries) throws IOException {
        List<String> changed = new ArrayList<>();
        for (Entry entry : entries) {
            Configuration configuration = entry.name() == null
                ? admin.getConfiguration(entry.pid(), "?")
                : admin.getFactoryConfiguration(entry.pid(), entry.name(), "?");
            if (configuration.updateIfDifferent(entry.properties())) {
                changed.add(configuration.getPid());
            }
        }
        return changed;
    }

    private static void checkConfiguratorKey(JsonParser parser, String key, JsonToken value)
        throws IOException, Problem {
        if (key.equals(CONFIGURATOR + "resource-version")
            && (value != JsonToken.VALUE_NUMBER_INT || parser.getLongValue() != 1)) {
            throw problem(parser, "'" + key + "' must be 1 (the OSGi Configurator's format version 1)");
        }
        parser.skipChildren();
    }

    private static Entry entry(JsonParser parser, String key, JsonToken value) throws IOException, Problem {
        String pid = key;
        String name = null;
        int tilde = key.indexOf('~');
        if (tilde >= 0) {
            pid = key.substring(0, tilde);
            name = key.substring(tilde + 1);
            if (name.isEmpty()) {
                throw problem(parser, "'" + key + "': a factory configuration needs a name after '~'");
            }
        }
        if (pid.isBlank() || !pid.equals(pid.strip())) {
            throw problem(parser, "'" + key + "' is not a configuration PID");
        }
        if (value != JsonToken.START_OBJECT) {
            throw problem(parser, "'" + key + "': a configuration is a JSON object of property names and values");
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        // Config Admin treats property names case-insensitively: the names seen, lower-cased, to the first spelling.
        Map<String, String> names = new HashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String property = parser.currentName();
            JsonToken token = parser.nextToken();
            if (property.startsWith(CONFIGURATOR)) {
                parser.skipChildren();
                continue;
            }
            String type = null;
            int colon = property.indexOf(':');
            if (colon >= 0) {
                type = property.substring(colon + 1).strip();
                property = property.substring(0, colon);
            }
            if (property.isBlank()) {
                throw problem(parser, "'" + key + "': a property without a name");
            }
            String folded = property.toLowerCase(Locale.ROOT);
            if (RESERVED.contains(folded)) {
                throw problem(parser, "'" + key + "': property '" + property + "' is set by Config Admin, not by a"
                    + " configuration");
            }
            String earlier = names.putIfAbsent(folded, property);
            if (earlier != null) {
                throw problem(parser, "'" + key + "': property '" + property + "' appears twice"
                    + (earlier.equals(property) ? "" : " (as '" + earlier + "'; property names are case-insensitive)"));
            }
            properties.put(property, value(parser, token, type, "'" + key + "', property '" + property + "': "));
        }
        return new Entry(pid, name, properties);
    }

    private static Object value(JsonParser parser, JsonToken token, String type, String label)
        throws IOException, Problem {
        if (type != null && type.endsWith("[]")) {
            if (token != JsonToken.START_ARRAY) {
                throw problem(parser, label + "type " + type + " needs a JSON array");
            }
            String element = type.substring(0, type.length() - 2).strip();
            List<Object> values = new ArrayList<>();
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                values.add(scalar(parser, token, element, label));
            }
            Object array = Array.newInstance(typeClass(parser, element, label), values.size());
            for (int i = 0; i < values.size(); i++) {
                Array.set(array, i, values.get(i));
            }
            return array;
        }
        if (token == JsonToken.START_ARRAY) {
            if (type != null) {
                throw problem(parser, label + "an array needs an array type, such as " + type + "[]");
            }
            List<Object> values = new ArrayList<>();
            Class<?> common = null;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                Object item = scalar(parser, token, null, label);
                if (common != null && common != item.getClass()) {
                    throw problem(parser, label + "an array mixes " + common.getSimpleName() + " and "
                        + item.getClass().getSimpleName() + " values");
                }
                common = item.getClass();
                values.add(item);
            }
            Object array = Array.newInstance(common == null ? String.class : common, values.size());
            for (int i = 0; i < values.size(); i++) {
                Array.set(array, i, values.get(i));
            }
            return array;
        }
        return scalar(parser, token, type, label);
    }

    private static Object scalar(JsonParser parser, JsonToken token, String type, String label)
        throws IOException, Problem {
        Object plain;
        switch (token) {
            case VALUE_STRING -> plain = parser.getText();
            case VALUE_TRUE, VALUE_FALSE -> plain = token == JsonToken.VALUE_TRUE;
            case VALUE_NUMBER_INT -> {
                try {
                    plain = parser.getLongValue();
                } catch (IOException e) {
                    throw problem(parser, label + "the number " + parser.getText() + " is too large");
                }
            }
            case VALUE_NUMBER_FLOAT -> plain = parser.getDoubleValue();
            case VALUE_NULL -> throw problem(parser, label + "null is not a configuration value");
            case START_OBJECT, START_ARRAY -> throw problem(parser, label
                + "nested objects and arrays are not configuration values");
            default -> throw problem(parser, label + "unexpected " + token);
        }
        if (type == null) {
            return plain;
        }
        Class<?> target = typeClass(parser, type, label);
        try {
            return convert(plain, target);
        } catch (IllegalArgumentException e) {
            throw problem(parser, label + e.getMessage());
        }
    }

    private static Class<?> typeClass(JsonParser parser, String type, String label) throws Problem {
        return switch (type) {
            case "String" -> String.class;
            case "Integer", "int" -> Integer.class;
            case "Long", "long" -> Long.class;
            case "Short", "short" -> Short.class;
            case "Byte", "byte" -> Byte.class;
            case "Float", "float" -> Float.class;
            case "Double", "double" -> Double.class;
            case "Boolean", "boolean" -> Boolean.class;
            case "Character", "char" -> Character.class;
            default -> throw problem(parser, label + "unsupported type '" + type + "' (use String, Integer, Long, "
                + "Short, Byte, Float, Double, Boolean or Character, or an array of one: Integer[])");
        };
    }

    /** Converts a JSON value to the type a {@code key:Type} suffix names. */
    static Object convert(Object value, Class<?> target) {
        if (target.isInstance(value)) {
            return value;
        }
        String text = String.valueOf(value);
        try {
            if (target == String.class) {
                return text;
            }
            if (target == Boolean.class) {
                if (value instanceof String && (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false"))) {
                    return Boolean.valueOf(text);
                }
                throw new IllegalArgumentException("'" + text + "' is not a Boolean (true or false)");
            }
            if (target == Character.class) {
                if (text.length() == 1) {
                    return text.charAt(0);
                }
                throw new IllegalArgumentException("'" + text + "' is not one Character");
            }
            if (value instanceof Boolean) {
                throw new IllegalArgumentException(text + " is not a " + target.getSimpleName());
            }
            if (target == Double.class) {
                return Double.valueOf(text);
            }
            if (target == Float.class) {
                return Float.valueOf(text);
            }
            if (value instanceof Double) {
                throw new IllegalArgumentException(text + " is not a whole number (" + target.getSimpleName() + ")");
            }
            if (target == Long.class) {
                return Long.valueOf(text.strip());
            }
            if (target == Integer.class) {
                return Integer.valueOf(text.strip());
            }
            if (target == Short.class) {
                return Short.valueOf(text.strip());
            }
            if (target == Byte.class) {
                return Byte.valueOf(text.strip());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a " + target.getSimpleName()
                + " (or is out of its range)");
        }
        throw new IllegalArgumentException("cannot convert '" + text + "' to " + target.getSimpleName());
    }

    private static Problem problem(JsonParser parser, String message) {
        return new Problem(where(parser.currentTokenLocation()) + message);
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return "line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
    }
}
