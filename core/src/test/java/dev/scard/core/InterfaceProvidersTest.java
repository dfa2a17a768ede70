package dev.scard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.scard.api.ISCardAuth;
import dev.scard.api.ISCardFileAccess;
import dev.scard.api.ISCardVerify;
import dev.scard.api.SCardInterfaceFactory;

class InterfaceProvidersTest {
    static final String ATR = "3B8801534341524453494D99";
    static final UUID CRYPTO = UUID.fromString("0d7e6a51-0000-4000-8000-00000000c0de");

    private final InterfaceProviders providers = new InterfaceProviders();
    private long nextId = 1;

    /** A factory that returns its own label, so a test can see which one was picked. */
    private static SCardInterfaceFactory factory(String label) {
        return new SCardInterfaceFactory() {
            @Override
            public Object create(dev.scard.api.ISCardManage manager, Object userData) {
                return label;
            }

            @Override
            public String toString() {
                return label;
            }
        };
    }

    private SCardInterfaceFactory register(String label, Object... keyValues) {
        SCardInterfaceFactory factory = factory(label);
        providers.add(factory, properties(keyValues));
        return factory;
    }

    private Map<String, Object> properties(Object... keyValues) {
        Map<String, Object> properties = new HashMap<>();
        properties.put("service.id", nextId++);
        for (int i = 0; i < keyValues.length; i += 2) {
            properties.put((String) keyValues[i], keyValues[i + 1]);
        }
        return properties;
    }

    private String picked(InterfaceProviders.Request request, String atr) {
        InterfaceProviders.Provider provider = providers.select(request, atr);
        return provider == null ? null : provider.factory().toString();
    }

    private String byName(String name) {
        return picked(InterfaceProviders.forCreateInterface(null, name), ATR);
    }

    @Test
    void theBestRankedFactoryWithTheNameWinsAndTiesGoToTheOldestService() {
        register("low", "scard.interface.name", "CryptoProvider", "service.ranking", -5);
        register("first", "scard.interface.name", "CryptoProvider");
        register("second", "scard.interface.name", "CryptoProvider");
        assertThat(byName("CryptoProvider")).isEqualTo("first");
        register("high", "scard.interface.name", "CryptoProvider", "service.ranking", 7);
        assertThat(byName("CryptoProvider")).isEqualTo("high");
        assertThat(byName("cryptoprovider")).as("names are compared exactly").isNull();
        assertThat(byName("Other")).isNull();
        assertThat(providers.providers()).extracting(p -> p.factory().toString())
                .containsExactly("high", "first", "second", "low");
    }

    @Test
    void aRankingThatIsNotAnIntegerCountsAsZero() {
        register("string-ranked", "scard.interface.name", "X", "service.ranking", "100");
        register("zero", "scard.interface.name", "X", "service.ranking", 0);
        assertThat(byName("X")).isEqualTo("string-ranked"); // both 0: the older service wins
    }

    @Test
    void atrPatternsMatchTheWholeAtrWithoutRegardToCase() {
        register("any", "scard.interface.name", "P", "service.ranking", -1);
        register("sample", "scard.interface.name", "P", "scard.atr", "3b88015343.*");
        register("prefix-only", "scard.interface.name", "P", "scard.atr", "3B88", "service.ranking", 5);
        assertThat(byName("P")).isEqualTo("sample");
        assertThat(picked(InterfaceProviders.forCreateInterface(null, "P"), "3B00")).isEqualTo("any");
        assertThat(picked(InterfaceProviders.forCreateInterface(null, "P"), "3b8801534341524453494d99"))
                .as("the card's ATR is compared in upper case").isEqualTo("sample");
    }

    @Test
    void severalNamesAndPatternsAreAlternatives() {
        register("multi", "scard.interface.name", new String[] {"A", "B"},
                "scard.atr", List.of("3B00", "3B88.*"));
        assertThat(byName("A")).isEqualTo("multi");
        assertThat(byName("B")).isEqualTo("multi");
        assertThat(picked(InterfaceProviders.forCreateInterface(null, "B"), "3B00")).isEqualTo("multi");
        assertThat(picked(InterfaceProviders.forCreateInterface(null, "B"), "3B01")).isNull();
    }

    @Test
    void anInvalidPatternMatchesNoCardAndIsReported() {
        register("broken", "scard.interface.name", "P", "scard.atr", "3B(");
        assertThat(byName("P")).isNull();
        InterfaceProviders.Provider provider = providers.providers().get(0);
        assertThat(provider.problems()).singleElement().asString().contains("'3B(' is not a regular expression");
        assertThat(providers.whyNoMatch(InterfaceProviders.forCreateInterface(null, "P")))
                .contains("serves only ATRs matching (no valid pattern)");
        assertThat(providers.whyNoMatch(InterfaceProviders.forCreateInterface(null, "Q")))
                .contains("was ignored in part").contains("not a regular expression");
    }

    @Test
    void guidsAreComparedAsGuidsAndInvalidOnesAreIgnored() {
        register("braced", "scard.interface.guid", "{" + CRYPTO.toString().toUpperCase() + "}");
        register("bad", "scard.interface.guid", "not-a-guid", "scard.interface.name", "Bad");
        assertThat(picked(InterfaceProviders.forCreateInterface(CRYPTO, null), ATR)).isEqualTo("braced");
        assertThat(providers.providers().get(1).problems()).singleElement().asString().contains("'not-a-guid' is not a GUID");
        assertThat(byName("Bad")).as("the name still counts").isEqualTo("bad");
    }

    @Test
    void whenGuidAndNameMatchDifferentFactoriesTheGuidWinsWhateverTheRanking() {
        register("by-guid", "scard.interface.guid", CRYPTO.toString(), "service.ranking", -100);
        register("by-name", "scard.interface.name", "CryptoProvider", "service.ranking", 100);
        assertThat(picked(InterfaceProviders.forCreateInterface(CRYPTO, "CryptoProvider"), ATR)).isEqualTo("by-guid");
        UUID unknown = UUID.randomUUID();
        assertThat(picked(InterfaceProviders.forCreateInterface(unknown, "CryptoProvider"), ATR))
                .as("the name is the fallback when no factory has the GUID").isEqualTo("by-name");
        assertThat(picked(InterfaceProviders.forCreateInterface(unknown, null), ATR)).isNull();
    }

    @Test
    void aGuidFactoryThatDoesNotServeTheCardLetsTheNameDecide() {
        register("guid-other-card", "scard.interface.guid", CRYPTO.toString(), "scard.atr", "3B00");
        register("by-name", "scard.interface.name", "CryptoProvider");
        assertThat(picked(InterfaceProviders.forCreateInterface(CRYPTO, "CryptoProvider"), ATR)).isEqualTo("by-name");
        assertThat(picked(InterfaceProviders.forCreateInterface(CRYPTO, "CryptoProvider"), "3B00"))
                .isEqualTo("guid-other-card");
    }

    @Test
    void standardInterfacesMatchByNameOrIidWithEqualWeight() {
        register("fallback", "scard.interface.name", "ISCardFileAccess",
                "scard.interface.guid", ISCardFileAccess.IID.toString(), "service.ranking", -1000);
        register("name-only", "scard.interface.name", "ISCardFileAccess", "scard.atr", "3B88.*");
        InterfaceProviders.Request request = InterfaceProviders.standard("ISCardFileAccess", ISCardFileAccess.IID);
        assertThat(request.isStandard()).isTrue();
        assertThat(picked(request, ATR)).isEqualTo("name-only");
        assertThat(picked(request, "3B00")).isEqualTo("fallback");
        register("iid-only", "scard.interface.guid", ISCardFileAccess.IID.toString(), "service.ranking", 1);
        assertThat(picked(request, ATR)).isEqualTo("iid-only");
        // createInterface with the IID or the name is the same request as createFileAccess
        assertThat(picked(InterfaceProviders.forCreateInterface(ISCardFileAccess.IID, "ignored"), ATR)).isEqualTo("iid-only");
        assertThat(picked(InterfaceProviders.forCreateInterface(null, "ISCardFileAccess"), ATR)).isEqualTo("iid-only");
    }

    @Test
    void createInterfaceRecognizesTheThreeStandardInterfaces() {
        assertThat(InterfaceProviders.forCreateInterface(ISCardVerify.IID, null))
                .isEqualTo(InterfaceProviders.standard("ISCardVerify", ISCardVerify.IID));
        assertThat(InterfaceProviders.forCreateInterface(null, "ISCardAuth"))
                .isEqualTo(InterfaceProviders.standard("ISCardAuth", ISCardAuth.IID));
        assertThat(InterfaceProviders.forCreateInterface(null, "ISCardFileAccess").guid()).isEqualTo(ISCardFileAccess.IID);
        assertThat(InterfaceProviders.forCreateInterface(null, "CryptoProvider").isStandard()).isFalse();
        assertThat(InterfaceProviders.forCreateInterface(CRYPTO, "ISCardAuth").isStandard())
                .as("a GUID that is not a standard IID wins over a standard name").isFalse();
        assertThat(InterfaceProviders.forCreateInterface(CRYPTO, "CryptoProvider").describe())
                .isEqualTo("'CryptoProvider' {" + CRYPTO + "}");
        assertThatThrownBy(() -> InterfaceProviders.forCreateInterface(null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void removeAndUpdateWorkByServiceId() {
        SCardInterfaceFactory one = register("one", "scard.interface.name", "X");
        register("two", "scard.interface.name", "X", "service.ranking", -1);
        assertThat(byName("X")).isEqualTo("one");
        // an update of service 1: new properties, same service
        providers.add(one, Map.of("service.id", 1L, "scard.interface.name", "Y"));
        assertThat(providers.providers()).hasSize(2);
        assertThat(byName("X")).isEqualTo("two");
        assertThat(byName("Y")).isEqualTo("one");
        providers.remove(one, Map.of("service.id", 1L));
        assertThat(byName("Y")).isNull();
        providers.remove(one, Map.of("service.id", 99L)); // unknown: ignored
        assertThat(providers.providers()).hasSize(1);
    }

    @Test
    void withoutServiceIdsFactoriesAreKnownByIdentity() {
        SCardInterfaceFactory a = factory("a");
        SCardInterfaceFactory b = factory("b");
        providers.add(a, Map.of("scard.interface.name", "X"));
        providers.add(b, Map.of("scard.interface.name", "X"));
        assertThat(byName("X")).as("the one added first").isEqualTo("a");
        providers.remove(a, Map.of());
        assertThat(byName("X")).isEqualTo("b");
        providers.remove(b, null);
        assertThat(providers.providers()).isEmpty();
    }

    @Test
    void describeNamesTheFactory() {
        register("d", "scard.interface.name", new String[] {"A", "B"}, "service.ranking", 3);
        assertThat(providers.providers().get(0).describe()).contains("(A/B, service.id 1, ranking 3)");
        providers.add(factory("n"), Map.of());
        assertThat(providers.providers().get(1).describe()).endsWith("(no name, ranking 0)");
    }

    @Test
    void whyNoMatchCopesWithAFactoryServingEveryCard() {
        // Registered after a search found nothing: it serves every card (no scard.atr), so its patterns are null.
        register("every", "scard.interface.name", "P");
        assertThat(providers.whyNoMatch(InterfaceProviders.forCreateInterface(null, "P")))
                .contains("serves every card");
    }
}
