package dev.scard.core;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import org.osgi.framework.Constants;

import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardManage;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardInterfaceFactory;
import dev.scard.api.SCardServiceProperties;

/**
 * The {@link SCardInterfaceFactory} services a manager can choose from (docs/decisions.md, "Extension"), with their service properties,
 * and the rule that picks one for {@link ISCardManage#createInterface} and the {@code Create*} methods.
 *
 * <p><b>What a factory offers</b> comes from its service properties:
 * <ul>
 * <li>{@value SCardServiceProperties#INTERFACE_NAME}: one or more names (a {@code String}, {@code String[]} or
 * collection), compared exactly;</li>
 * <li>{@value SCardServiceProperties#INTERFACE_GUID}: one or more GUIDs in the usual string form, braces allowed,
 * compared as GUIDs (so case does not matter); a value that is not a GUID is ignored;</li>
 * <li>{@value SCardServiceProperties#ATR_PATTERN}: one or more regular expressions, at least one of which must match
 * the card's whole ATR (hex without separators; compared without regard to case); absent means every card. A
 * factory whose every pattern is invalid matches no card;</li>
 * <li>{@code service.ranking} (an {@code Integer}, default 0) and {@code service.id}: the highest ranking wins,
 * then the lowest service id (the longest-registered factory), as the OSGi service registry orders services.</li>
 * </ul>
 *
 * <p><b>How a request is matched.</b> A request by GUID considers only the factories registered with that GUID;
 * when none of them serves the card and the request also has a name, the factories registered with that name are
 * considered. So when a GUID and a name are both given and match different factories, the GUID wins, whatever the
 * rankings; the name is the fallback "used when no GUID is available", as the contract describes it. The three
 * standard interfaces are requested by name <em>or</em> IID without that order ({@link #standard}): a factory
 * registered only with the name {@code ISCardFileAccess} competes with one registered only with
 * {@link ISCardFileAccess#IID} by ranking alone. A {@link ISCardManage#createInterface} request whose GUID is one
 * of the three IIDs, or (without a GUID) whose name is one of the three names, is the same request as the
 * corresponding {@code Create*} method.
 *
 * <p>Thread-safe: factories come and go (dynamic references) while managers resolve.
 */
public final class InterfaceProviders {

    /** The name {@code createFileAccess} asks for. */
    public static final String FILE_ACCESS = "ISCardFileAccess";
    /** The name {@code createCHVerification} asks for. */
    public static final String VERIFY = "ISCardVerify";
    /** The name {@code createCardAuth} asks for. */
    public static final String AUTH = "ISCardAuth";

    private static final Comparator<Provider> BEST_FIRST = Comparator.comparingInt(Provider::ranking).reversed()
            .thenComparingLong(Provider::serviceId).thenComparingLong(Provider::sequence);

    /** Best first; replaced, never changed. */
    private volatile List<Provider> providers = List.of();
    private long sequence;

    /** One registered factory and what it offers. */
    public static final class Provider {
        private final SCardInterfaceFactory factory;
        private final List<String> names;
        private final List<UUID> guids;
        /** Null when the factory serves every card; possibly empty when every pattern was invalid. */
        private final List<Pattern> atrPatterns;
        private final List<String> problems;
        private final int ranking;
        private final long serviceId;
        private final long sequence;

        Provider(SCardInterfaceFactory factory, Map<String, ?> properties, long sequence) {
            this.factory = factory;
            this.sequence = sequence;
            List<String> found = new ArrayList<>();
            this.names = strings(properties.get(SCardServiceProperties.INTERFACE_NAME));
            List<UUID> ids = new ArrayList<>();
            for (Object value : values(properties.get(SCardServiceProperties.INTERFACE_GUID))) {
                UUID guid = parseGuid(value);
                if (guid == null) {
                    found.add(SCardServiceProperties.INTERFACE_GUID + " '" + value + "' is not a GUID");
                } else {
                    ids.add(guid);
                }
            }
            this.guids = List.copyOf(ids);
            Object atr = properties.get(SCardServiceProperties.ATR_PATTERN);
            if (atr == null) {
                this.atrPatterns = null;
            } else {
                List<Pattern> patterns = new ArrayList<>();
                for (String regex : strings(atr)) {
                    try {
                        patterns.add(Pattern.compile(regex, Pattern.CASE_INSENSITIVE));
                    } catch (PatternSyntaxException e) {
                        found.add(SCardServiceProperties.ATR_PATTERN + " '" + regex + "' is not a regular expression: "
                                + e.getDescription());
                    }
                }
                this.atrPatterns = List.copyOf(patterns);
            }
            this.problems = List.copyOf(found);
            Object rank = properties.get(Constants.SERVICE_RANKING);
            this.ranking = rank instanceof Integer r ? r : 0;
            Object id = properties.get(Constants.SERVICE_ID);
            this.serviceId = id instanceof Long l ? l : Long.MAX_VALUE;
        }

        /** The factory. */
        public SCardInterfaceFactory factory() {
            return factory;
        }

        /** The names it was registered with. */
        public List<String> names() {
            return names;
        }

        /** The GUIDs it was registered with (those that are GUIDs). */
        public List<UUID> guids() {
            return guids;
        }

        /** Its service ranking (0 when absent or not an {@code Integer}). */
        public int ranking() {
            return ranking;
        }

        /** Its service id, or {@link Long#MAX_VALUE} when registered without one (outside OSGi). */
        public long serviceId() {
            return serviceId;
        }

        long sequence() {
            return sequence;
        }

        /** What is wrong with its properties (ignored GUIDs, invalid ATR patterns); empty when nothing is. */
        public List<String> problems() {
            return problems;
        }

        /** Whether it serves a card with this ATR (upper-case hex without separators). */
        public boolean servesAtr(String atrHex) {
            if (atrPatterns == null) {
                return true;
            }
            for (Pattern pattern : atrPatterns) {
                if (pattern.matcher(atrHex).matches()) {
                    return true;
                }
            }
            return false;
        }

        /** For messages: the factory's class, names, ranking and service id. */
        public String describe() {
            return factory.getClass().getName() + " (" + (names.isEmpty() ? "no name" : String.join("/", names))
                    + (serviceId == Long.MAX_VALUE ? "" : ", service.id " + serviceId) + ", ranking " + ranking + ")";
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /** Which interface a caller asks for: a GUID, a name, or both, and whether they are alternatives of equal weight. */
    public record Request(UUID guid, String name, boolean eitherMatches) {

        /** What it is called in messages: the name, the GUID, or both. */
        public String describe() {
            if (guid == null) {
                return "'" + name + "'";
            }
            return name == null ? "{" + guid + "}" : "'" + name + "' {" + guid + "}";
        }

        /** Whether this is one of the three standard interfaces. */
        public boolean isStandard() {
            return eitherMatches;
        }
    }

    /** The request {@code createFileAccess}, {@code createCHVerification} or {@code createCardAuth} makes. */
    public static Request standard(String name, UUID iid) {
        return new Request(iid, name, true);
    }

    /**
     * The request {@link ISCardManage#createInterface(UUID, String, Object)} makes: the standard request when the
     * GUID is one of the three IIDs (or, without a GUID, the name one of the three names), otherwise GUID first,
     * then name.
     *
     * @throws IllegalArgumentException when both are null
     */
    public static Request forCreateInterface(UUID guid, String name) {
        if (guid == null && name == null) {
            throw new IllegalArgumentException("an interface GUID or a name is needed");
        }
        Request standard = standardFor(guid, name);
        return standard != null ? standard : new Request(guid, name, false);
    }

    private static Request standardFor(UUID guid, String name) {
        if (guid != null) {
            if (guid.equals(ISCardFileAccess.IID)) {
                return standard(FILE_ACCESS, ISCardFileAccess.IID);
            }
            if (guid.equals(ISCardVerify.IID)) {
                return standard(VERIFY, ISCardVerify.IID);
            }
            if (guid.equals(ISCardAuth.IID)) {
                return standard(AUTH, ISCardAuth.IID);
            }
            return null;
        }
        return switch (name) {
            case FILE_ACCESS -> standard(FILE_ACCESS, ISCardFileAccess.IID);
            case VERIFY -> standard(VERIFY, ISCardVerify.IID);
            case AUTH -> standard(AUTH, ISCardAuth.IID);
            default -> null;
        };
    }

    /**
     * Adds a factory, or replaces the entry of the same service (same {@code service.id}, or the same factory object
     * when there is none), for a DS bind or updated method.
     *
     * @param properties its service properties
     */
    public synchronized void add(SCardInterfaceFactory factory, Map<String, ?> properties) {
        Provider provider = new Provider(factory, properties, ++sequence);
        List<Provider> next = new ArrayList<>(providers.size() + 1);
        for (Provider existing : providers) {
            if (!sameService(existing, factory, provider.serviceId)) {
                next.add(existing);
            }
        }
        next.add(provider);
        next.sort(BEST_FIRST);
        providers = List.copyOf(next);
    }

    /** Removes a factory (the entry of the same service), for a DS unbind method; unknown ones are ignored. */
    public synchronized void remove(SCardInterfaceFactory factory, Map<String, ?> properties) {
        Object id = properties == null ? null : properties.get(Constants.SERVICE_ID);
        long serviceId = id instanceof Long l ? l : Long.MAX_VALUE;
        List<Provider> next = new ArrayList<>(providers);
        next.removeIf(existing -> sameService(existing, factory, serviceId));
        providers = List.copyOf(next);
    }

    private static boolean sameService(Provider existing, SCardInterfaceFactory factory, long serviceId) {
        if (serviceId != Long.MAX_VALUE || existing.serviceId != Long.MAX_VALUE) {
            return existing.serviceId == serviceId;
        }
        return existing.factory == factory;
    }

    /** Every registered factory, best first. */
    public List<Provider> providers() {
        return providers;
    }

    /**
     * The best factory for a request and a card, or null when none matches.
     *
     * @param atrHex the card's ATR, hex without separators
     */
    public Provider select(Request request, String atrHex) {
        String atr = atrHex.toUpperCase(Locale.ROOT);
        List<Provider> all = providers;
        if (request.eitherMatches()) {
            return first(all, request, atr, true, true);
        }
        Provider byGuid = request.guid() == null ? null : first(all, request, atr, true, false);
        if (byGuid != null || request.name() == null) {
            return byGuid;
        }
        return first(all, request, atr, false, true);
    }

    private static Provider first(List<Provider> all, Request request, String atr, boolean byGuid, boolean byName) {
        for (Provider provider : all) {
            boolean offered = (byGuid && request.guid() != null && provider.guids.contains(request.guid()))
                    || (byName && request.name() != null && provider.names.contains(request.name()));
            if (offered && provider.servesAtr(atr)) {
                return provider;
            }
        }
        return null;
    }

    /**
     * Why nothing matched, for an {@code E_NOINTERFACE} message: the factories that offer the interface but not for
     * this card, and those whose properties could not be read; empty when no factory offers it at all.
     */
    public String whyNoMatch(Request request) {
        List<String> notes = new ArrayList<>();
        List<Provider> all = providers; // one snapshot: the list may be replaced meanwhile
        for (Provider provider : all) {
            boolean offered = (request.guid() != null && provider.guids.contains(request.guid()))
                    || (request.name() != null && provider.names.contains(request.name()));
            if (offered && provider.atrPatterns == null) {
                // Serves every card: it came after the search (or its properties changed meanwhile).
                notes.add(provider.describe() + " serves every card but was registered after the search; try again");
            } else if (offered) {
                notes.add(provider.describe() + " serves only ATRs matching " + patterns(provider));
            } else if (!provider.problems.isEmpty()) {
                notes.add(provider.describe() + " was ignored in part: " + String.join("; ", provider.problems));
            }
        }
        return String.join("; ", notes);
    }

    private static String patterns(Provider provider) {
        List<String> regexes = new ArrayList<>();
        List<Pattern> atrPatterns = provider.atrPatterns;
        if (atrPatterns == null) {
            return "(any ATR)";
        }
        for (Pattern pattern : atrPatterns) {
            regexes.add(pattern.pattern());
        }
        return regexes.isEmpty() ? "(no valid pattern)" : String.join(" or ", regexes);
    }

    private static List<Object> values(Object value) {
        List<Object> list = new ArrayList<>();
        if (value == null) {
            return list;
        }
        if (value instanceof Collection<?> collection) {
            list.addAll(collection);
        } else if (value.getClass().isArray()) {
            for (int i = 0; i < Array.getLength(value); i++) {
                list.add(Array.get(value, i));
            }
        } else {
            list.add(value);
        }
        list.removeIf(v -> v == null);
        return list;
    }

    private static List<String> strings(Object value) {
        List<String> list = new ArrayList<>();
        for (Object v : values(value)) {
            String s = v.toString().trim();
            if (!s.isEmpty()) {
                list.add(s);
            }
        }
        return List.copyOf(list);
    }

    private static UUID parseGuid(Object value) {
        if (value instanceof UUID uuid) {
            return uuid;
        }
        String text = value.toString().trim();
        if (text.startsWith("{") && text.endsWith("}")) {
            text = text.substring(1, text.length() - 1);
        }
        if (text.length() != 36) {
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
