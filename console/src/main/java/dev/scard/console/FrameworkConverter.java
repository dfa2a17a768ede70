package dev.scard.console;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Converter;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Lets Gogo turn arguments into bundles and service references, and show them, as gogo.shell's converters do
 * in a stock Felix: without it {@code start 5}, {@code stop 5}, {@code headers 5}, {@code inspect ... 5}
 * cannot coerce their arguments.
 * <p>
 * A bundle is named by its id, its symbolic name or its location; a service reference by its
 * {@code service.id} or {@code service.pid}.
 */
@Component(service = Converter.class)
public class FrameworkConverter implements Converter {

    private final BundleContext context;

    @Activate
    public FrameworkConverter(BundleContext context) {
        this.context = context;
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) throws Exception {
        if (in == null) {
            return null;
        }
        if (desiredType == Bundle.class) {
            return bundle(in.toString().strip());
        }
        if (desiredType == ServiceReference.class) {
            return serviceReference(in.toString().strip());
        }
        return null;
    }

    Bundle bundle(String name) {
        if (name.matches("\\d{1,18}")) {
            return context.getBundle(Long.parseLong(name));
        }
        for (Bundle bundle : context.getBundles()) {
            if (name.equals(bundle.getSymbolicName()) || name.equals(bundle.getLocation())) {
                return bundle;
            }
        }
        return null;
    }

    private ServiceReference<?> serviceReference(String name) throws InvalidSyntaxException {
        String filter = name.matches("\\d{1,18}")
            ? "(" + Constants.SERVICE_ID + "=" + name + ")"
            : "(" + Constants.SERVICE_PID + "=" + escape(name) + ")";
        ServiceReference<?>[] refs = context.getAllServiceReferences(null, filter);
        return refs == null || refs.length == 0 ? null : refs[0];
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("*", "\\*").replace("(", "\\(").replace(")", "\\)");
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        if (target instanceof Bundle bundle) {
            return format(bundle, level);
        }
        if (target instanceof ServiceReference<?> ref) {
            return format(ref, level);
        }
        return null;
    }

    private static CharSequence format(Bundle bundle, int level) {
        switch (level) {
            case PART:
                return bundle.getSymbolicName();
            case LINE:
                return String.format("%5d|%-11s|%5d|%s (%s)", bundle.getBundleId(), state(bundle),
                    startLevel(bundle), bundle.getSymbolicName(), bundle.getVersion());
            case INSPECT:
            default:
                return String.join(System.lineSeparator(),
                    "Bundle " + bundle.getBundleId() + ": " + bundle.getSymbolicName() + " " + bundle.getVersion(),
                    "  Name:        " + bundle.getHeaders().get(Constants.BUNDLE_NAME),
                    "  State:       " + state(bundle),
                    "  Start level: " + startLevel(bundle),
                    "  Location:    " + bundle.getLocation());
        }
    }

    private static CharSequence format(ServiceReference<?> ref, int level) {
        String classes = Arrays.stream((String[]) ref.getProperty(Constants.OBJECTCLASS))
            .collect(Collectors.joining(", "));
        switch (level) {
            case PART:
                return classes;
            case LINE:
                return String.format("%6s %4d %s", ref.getProperty(Constants.SERVICE_ID), ref.getBundle() == null
                    ? -1 : ref.getBundle().getBundleId(), classes);
            case INSPECT:
            default:
                Map<String, Object> properties = new TreeMap<>();
                for (String key : ref.getPropertyKeys()) {
                    properties.put(key, ref.getProperty(key));
                }
                return properties.entrySet().stream()
                    .map(e -> e.getKey() + " = " + display(e.getValue()))
                    .collect(Collectors.joining(System.lineSeparator(), "Service " + classes
                        + System.lineSeparator(), ""));
        }
    }

    private static String display(Object value) {
        if (value instanceof Object[] array) {
            return Arrays.toString(array);
        }
        return String.valueOf(value);
    }

    private static int startLevel(Bundle bundle) {
        BundleStartLevel level = bundle.adapt(BundleStartLevel.class);
        return level == null ? 0 : level.getStartLevel();
    }

    private static String state(Bundle bundle) {
        switch (bundle.getState()) {
            case Bundle.ACTIVE:
                return "Active";
            case Bundle.INSTALLED:
                return "Installed";
            case Bundle.RESOLVED:
                return "Resolved";
            case Bundle.STARTING:
                return "Starting";
            case Bundle.STOPPING:
                return "Stopping";
            case Bundle.UNINSTALLED:
                return "Uninstalled";
            default:
                return "Unknown";
        }
    }
}
