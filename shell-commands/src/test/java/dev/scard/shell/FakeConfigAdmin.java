package dev.scard.shell;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * A Config Admin in memory, just big enough for {@link BackendCommands}: plain configurations by PID, a log of what
 * was written and deleted in order, and a hook that plays the backends' part when a configuration changes.
 */
final class FakeConfigAdmin {

    /** PID to properties of the stored configurations. */
    final Map<String, Hashtable<String, Object>> stored = new TreeMap<>();
    /** {@code update <pid>} and {@code delete <pid>}, in order. */
    final List<String> log = new ArrayList<>();
    /** Called with the PID and its new properties (null: deleted) after every change. */
    BiConsumer<String, Hashtable<String, Object>> onChange = (pid, properties) -> {
    };

    final ConfigurationAdmin admin = (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "getConfiguration":
                        return configuration((String) args[0]);
                    case "listConfigurations":
                        return list((String) args[0]);
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "equals":
                        return proxy == args[0];
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });

    /** Stores a configuration as if written earlier. */
    void put(String pid, Object ranking) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_PID, pid);
        if (ranking != null) {
            properties.put(Constants.SERVICE_RANKING, ranking);
        }
        stored.put(pid, properties);
    }

    private Configuration[] list(String filter) throws Exception {
        Filter f = filter == null ? null : FrameworkUtil.createFilter(filter);
        List<Configuration> found = new ArrayList<>();
        for (Map.Entry<String, Hashtable<String, Object>> entry : stored.entrySet()) {
            if (f == null || f.match(entry.getValue())) {
                found.add(configuration(entry.getKey()));
            }
        }
        return found.isEmpty() ? null : found.toArray(new Configuration[0]);
    }

    private Configuration configuration(String pid) {
        return (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Configuration.class},
                (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "getPid":
                            return pid;
                        case "getFactoryPid":
                            return null;
                        case "getProperties":
                            Hashtable<String, Object> current = stored.get(pid);
                            return current == null ? null : new Hashtable<>(current);
                        case "update":
                            @SuppressWarnings("unchecked")
                            Dictionary<String, Object> given = (Dictionary<String, Object>) args[0];
                            Hashtable<String, Object> properties = new Hashtable<>();
                            for (String key : java.util.Collections.list(given.keys())) {
                                properties.put(key, given.get(key));
                            }
                            properties.put(Constants.SERVICE_PID, pid);
                            stored.put(pid, properties);
                            log.add("update " + pid);
                            onChange.accept(pid, properties);
                            return null;
                        case "delete":
                            stored.remove(pid);
                            log.add("delete " + pid);
                            onChange.accept(pid, null);
                            return null;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        default:
                            throw new UnsupportedOperationException(method.getName());
                    }
                });
    }
}
