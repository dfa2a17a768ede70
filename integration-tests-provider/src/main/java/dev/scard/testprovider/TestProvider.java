package dev.scard.testprovider;

/**
 * The switch of this test bundle: its factories ({@link SampleCardFileAccessFactory}, {@link CryptoProviderFactory})
 * need a configuration with PID {@value #PID} (any properties) and are registered only while it exists, so the
 * other in-framework tests, which share the sample card, keep getting the generic card services.
 */
public final class TestProvider {

    /** The configuration PID that turns the test provider's factories on. */
    public static final String PID = "dev.scard.testprovider";

    private TestProvider() {
    }
}
