package dev.scard.shell;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The backends' configurations in Config Admin, as {@link BackendCommands} reads and writes them: the
 * {@code service.ranking} of each {@code dev.scard.service.<backend>} configuration.
 */
final class BackendConfigurations {

    /** Any bundle may receive the configurations written here: the backend bundles' SCR does. */
    private static final String ANY_LOCATION = "?";

    private BackendConfigurations() {
    }

    /**
     * The {@code service.ranking} of every configuration whose PID starts with {@code prefix}, by PID; a
     * configuration without one maps to null.
     */
    static Map<String, Object> rankings(ConfigurationAdmin configAdmin, String prefix) throws IOException {
        Map<String, Object> rankings = new TreeMap<>();
        for (Configuration configuration : list(configAdmin, prefix)) {
            try {
                Dictionary<String, Object> properties = configuration.getProperties();
                rankings.put(configuration.getPid(), properties == null ? null
                        : properties.get(Constants.SERVICE_RANKING));
            } catch (IllegalStateException deleted) {
                // deleted since it was listed
            }
        }
        return rankings;
    }

    /**
     * Sets {@code service.ranking} (an Integer, as the framework requires) in the configuration {@code pid},
     * keeping its other properties; then deletes every
     * other configuration whose PID starts with {@code prefix}. The new one is written first, so that consumers
     * move once: straight to the new default (see the backends' {@code DefaultRegistration}).
     *
     * @return the PIDs of the deleted configurations
     */
    static List<String> use(ConfigurationAdmin admin, String prefix, String pid, int ranking) throws IOException {
        for (int attempt = 1;; attempt++) {
            try {
                write(admin.getConfiguration(pid, ANY_LOCATION), ranking);
                break;
            } catch (IllegalStateException deleted) {
                // Felix Config Admin can hand out a configuration deleted a moment ago: ask again
                if (attempt == 3) {
                    throw deleted;
                }
            }
        }
        List<String> deleted = new ArrayList<>();
        for (Configuration other : list(admin, prefix)) {
            try {
                String otherPid = other.getPid();
                if (!otherPid.equals(pid)) {
                    other.delete();
                    deleted.add(otherPid);
                }
            } catch (IllegalStateException gone) {
                // deleted since it was listed (Felix Config Admin may list a configuration deleted a moment ago)
            }
        }
        return deleted;
    }

    /**
     * Sets the ranking, keeping the other properties. It always writes, even when the configuration already has
     * that ranking: Felix Config Admin 1.9 can hand out a configuration object that is no longer stored (a delete
     * racing with SCR listing the configurations leaves it in its cache), and only an update stores it again. The
     * backends take an unchanged ranking as no change.
     */
    private static void write(Configuration chosen, int ranking) throws IOException {
        Dictionary<String, Object> current = chosen.getProperties();
        Dictionary<String, Object> properties = new Hashtable<>();
        if (current != null) {
            for (String key : java.util.Collections.list(current.keys())) {
                properties.put(key, current.get(key));
            }
        }
        properties.put(Constants.SERVICE_RANKING, ranking);
        chosen.update(properties);
    }

    private static List<Configuration> list(ConfigurationAdmin admin, String prefix) throws IOException {
        Configuration[] found;
        try {
            found = admin.listConfigurations("(" + Constants.SERVICE_PID + "=" + prefix + "*)");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException("bad configuration filter for " + prefix + "*", e);
        }
        List<Configuration> configurations = new ArrayList<>();
        if (found != null) {
            for (Configuration configuration : found) {
                try {
                    if (configuration.getFactoryPid() == null) {
                        configurations.add(configuration);
                    }
                } catch (IllegalStateException deleted) {
                    // deleted since it was listed
                }
            }
        }
        return configurations;
    }
}
