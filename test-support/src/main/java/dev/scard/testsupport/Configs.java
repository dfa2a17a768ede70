package dev.scard.testsupport;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A component's configuration annotation (a DS component property type) with chosen values, as Config Admin and
 * Declarative Services would hand it to the component: every element not given has its default.
 */
public final class Configs {

    private Configs() {
    }

    /**
     * An instance of {@code type} whose elements return the given values and the others their defaults.
     *
     * @param <A> the configuration type
     * @param type the configuration annotation
     * @param namesAndValues element names and their values, alternately (for example
     *        {@code "readerFilter", ".*", "callTimeoutMillis", 1500}); {@code null} is allowed where the element
     *        is not primitive, for tests of what a component does with a missing value
     * @return the configuration
     * @throws IllegalArgumentException when a name is not an element of {@code type}, a value does not fit its
     *         element, or an element without a default is not given
     */
    public static <A extends Annotation> A of(Class<A> type, Object... namesAndValues) {
        if (namesAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("names and values must alternate: " + namesAndValues.length
                    + " arguments given");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        for (Method element : type.getDeclaredMethods()) {
            if (element.getDefaultValue() != null) {
                values.put(element.getName(), element.getDefaultValue());
            }
        }
        for (int i = 0; i < namesAndValues.length; i += 2) {
            String name = String.valueOf(namesAndValues[i]);
            Method element;
            try {
                element = type.getDeclaredMethod(name);
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(type.getSimpleName() + " has no element '" + name + "'", e);
            }
            Object value = namesAndValues[i + 1];
            boolean fits = value == null ? !element.getReturnType().isPrimitive()
                    : wrapper(element.getReturnType()).isInstance(value);
            if (!fits) {
                throw new IllegalArgumentException("element '" + name + "' of " + type.getSimpleName() + " is a "
                        + element.getReturnType().getSimpleName() + ", not " + value);
            }
            values.put(name, value);
        }
        for (Method element : type.getDeclaredMethods()) {
            if (!values.containsKey(element.getName())) {
                throw new IllegalArgumentException("element '" + element.getName() + "' of "
                        + type.getSimpleName() + " has no default and was not given");
            }
        }
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> switch (method.getName()) {
                    case "annotationType" -> type;
                    case "toString" -> "@" + type.getSimpleName() + values;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> values.get(method.getName());
                }));
    }

    private static Class<?> wrapper(Class<?> type) {
        if (!type.isPrimitive()) {
            return type;
        }
        return switch (type.getName()) {
            case "int" -> Integer.class;
            case "long" -> Long.class;
            case "boolean" -> Boolean.class;
            case "double" -> Double.class;
            case "float" -> Float.class;
            case "short" -> Short.class;
            case "byte" -> Byte.class;
            default -> Character.class;
        };
    }
}
